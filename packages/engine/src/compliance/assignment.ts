import type { ComplianceDevice } from './model.ts';
import type { ComplianceAssignment } from './schema.ts';

/** True when `list` is absent or empty (matches everyone), or contains `value`. */
export function listAllows<T>(list: readonly T[] | undefined, value: T): boolean {
  return list === undefined || list.length === 0 || list.includes(value);
}

/** True when `list` is absent or empty, or shares at least one member with `values`. */
export function listIntersects<T>(list: readonly T[] | undefined, values: readonly T[]): boolean {
  if (list === undefined || list.length === 0) return true;
  for (const value of values) if (list.includes(value)) return true;
  return false;
}

/**
 * True when a compliance policy is assigned to the device: every non-empty list of the
 * assignment must match (users, platforms, ownership by membership; groups by any shared group).
 */
export function isAssigned(assignment: ComplianceAssignment, device: ComplianceDevice): boolean {
  return (
    listAllows(assignment.users, device.user) &&
    listAllows(assignment.platforms, device.platform) &&
    listAllows(assignment.ownership, device.ownership) &&
    listIntersects(assignment.groups, device.groups)
  );
}
