import { writeFile } from 'node:fs/promises';
import { loadProfileIntel, locateDatasets } from '../../profiles/datasets.ts';
import { generateDevice, isProfileName } from '../../profiles/generate-device.ts';
import { PROFILE_NAMES } from '../../profiles/profiles.ts';
import { parseInstant, parseOptions } from '../args.ts';
import { type Command, UsageError } from '../command.ts';

/**
 * Writes the snapshot of one simulated device profile, so that a person can try Riskgate with
 * `riskgate-agent report --snapshot` without a phone. `--remediated` writes the same device after
 * its fix (app uninstalled, network left, OS updated). Every date in it (patch level, install times,
 * probes) is computed from `--now` (default: the current time), so a profile says the same on any day.
 */
export const command: Command = {
  summary: 'write the snapshot of a device profile (stalkerware, mitm, …) to try Riskgate without a phone',
  usage: `riskgate-agent profile <${PROFILE_NAMES.join('|')}> [--remediated] [--seed S] [--now DATE] [--out FILE]`,
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined || !isProfileName(name)) {
      throw new UsageError(`choose a profile: ${PROFILE_NAMES.join(', ')}`);
    }
    const options = parseOptions(rest, {
      remediated: { type: 'boolean' },
      seed: { type: 'string' },
      out: { type: 'string' },
      now: { type: 'string' },
    });
    const now = parseInstant(options.now, 'now', () => new Date());
    const device = generateDevice(name, {
      seed: options.seed ?? '1',
      intel: loadProfileIntel(locateDatasets(io.env)),
      now,
    });
    const snapshot = options.remediated === true ? device.remediate(device.snapshot) : device.snapshot;
    const text = `${JSON.stringify(snapshot, null, 2)}\n`;
    if (options.out === undefined) io.stdout.write(text);
    else {
      await writeFile(options.out, text);
      io.stderr.write(
        `wrote ${options.out}: ${name}${options.remediated === true ? ' (remediated)' : ''}, expected risk ${options.remediated === true ? 'secured' : device.expectedRisk}\n`,
      );
    }
    return 0;
  },
};
