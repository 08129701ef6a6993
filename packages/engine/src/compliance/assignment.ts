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
 * True when the device's user is among the policy's principals: listed in `users`, or in one of
 * `groups`. When neither list is set (or both are empty), every user is.
 */
export function isPrincipalIncluded(
  users: readonly string[] | undefined,
  groups: readonly string[] | undefined,
  user: string,
  userGroups: readonly string[],
): boolean {
  const anyUsers = users !== undefined && users.length > 0;
  const anyGroups = groups !== undefined && groups.length > 0;
  if (!anyUsers && !anyGroups) return true;
  return (anyUsers && users.includes(user)) || (anyGroups && listIntersects(groups, userGroups));
}

/**
 * True when a compliance policy is assigned to the device: the user is included (listed in
 * `users` or member of one of `groups`; everyone when neither is set), and each non-empty
 * `platforms` / `ownership` list contains the device's value.
 */
export function isAssigned(assignment: ComplianceAssignment, device: ComplianceDevice): boolean {
  return (
    isPrincipalIncluded(assignment.users, assignment.groups, device.user, device.groups) &&
    listAllows(assignment.platforms, device.platform) &&
    listAllows(assignment.ownership, device.ownership)
  );
}
