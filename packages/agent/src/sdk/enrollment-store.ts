import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from './files.ts';

/** What the agent keeps after enrolling. */
export interface Enrollment {
  readonly server: string;
  readonly deviceId: string;
  readonly certificate: string;
  readonly caCertificate: string;
  readonly enrolledAt: string;
  /** Server time minus device time at enrollment (ms), added to signing times. */
  readonly clockOffsetMs?: number;
}

/** Where the enrollment is kept: a file in the state directory, or memory (simulator). */
export interface EnrollmentStore {
  load(): Promise<Enrollment | undefined>;
  save(enrollment: Enrollment): Promise<void>;
}

export const ENROLLMENT_FILE = 'enrollment.json';

export function createFileEnrollmentStore(stateDir: string): EnrollmentStore {
  const path = join(stateDir, ENROLLMENT_FILE);
  return {
    async load() {
      return (await readJsonFile(path)) as Enrollment | undefined;
    },
    async save(enrollment) {
      await writeFileAtomic(path, `${JSON.stringify(enrollment, null, 2)}\n`, 0o600);
    },
  };
}

export function createMemoryEnrollmentStore(): EnrollmentStore {
  let current: Enrollment | undefined;
  return {
    async load() {
      return current;
    },
    async save(enrollment) {
      current = enrollment;
    },
  };
}
