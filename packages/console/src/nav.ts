import { can, type Permission, type Role } from './role.ts';

/** The console's pages: core ones always shown, optional ones only when the server has the API. */
export interface NavItem {
  readonly path: string;
  readonly label: string;
  /** The admin list endpoint that must answer (not 404) for the page to be shown. */
  readonly requires?: string;
  /** The permission needed to read the page. */
  readonly permission?: Permission;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { path: '/devices', label: 'Devices' },
  { path: '/threats', label: 'Threats' },
  { path: '/threat-types', label: 'Threat types' },
  {
    path: '/compliance-policies',
    label: 'Compliance policies',
    requires: '/v1/admin/compliance-policies',
    permission: 'policies:read',
  },
  { path: '/resources', label: 'Resources', requires: '/v1/admin/resources', permission: 'policies:read' },
  {
    path: '/access-policies',
    label: 'Access policies',
    requires: '/v1/admin/access-policies',
    permission: 'policies:read',
  },
  { path: '/access-log', label: 'Access log', requires: '/v1/admin/access-log' },
  { path: '/intel-feeds', label: 'Intel feeds', requires: '/v1/admin/intel/feeds', permission: 'intel:read' },
  { path: '/enrollment-tokens', label: 'Enrollment tokens', permission: 'enrollment:read' },
  { path: '/audit-log', label: 'Audit log', permission: 'audit:read' },
];

/** The optional endpoints to probe after sign-in. */
export const OPTIONAL_ENDPOINTS: readonly string[] = NAV_ITEMS.flatMap((item) =>
  item.requires === undefined ? [] : [item.requires],
);

/** Whether a nav item is shown: its endpoint answered (optional pages) and the role may read it. */
export function isShown(item: NavItem, available: ReadonlySet<string>, role: Role | undefined): boolean {
  if (item.permission !== undefined && !can(role, item.permission)) return false;
  return item.requires === undefined || available.has(item.requires);
}
