/** The console's pages: core ones always shown, optional ones only when the server has the API. */
export interface NavItem {
  readonly path: string;
  readonly label: string;
  /** The admin list endpoint that must answer (not 404) for the page to be shown. */
  readonly requires?: string;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { path: '/devices', label: 'Devices' },
  { path: '/threats', label: 'Threats' },
  { path: '/threat-types', label: 'Threat types' },
  { path: '/compliance-policies', label: 'Compliance policies', requires: '/v1/admin/compliance-policies' },
  { path: '/resources', label: 'Resources', requires: '/v1/admin/resources' },
  { path: '/access-policies', label: 'Access policies', requires: '/v1/admin/access-policies' },
  { path: '/access-log', label: 'Access log', requires: '/v1/admin/access-log' },
  { path: '/intel-feeds', label: 'Intel feeds', requires: '/v1/admin/intel-feeds' },
  { path: '/enrollment-tokens', label: 'Enrollment tokens' },
  { path: '/audit-log', label: 'Audit log' },
];

/** The optional endpoints to probe after sign-in. */
export const OPTIONAL_ENDPOINTS: readonly string[] = NAV_ITEMS.flatMap((item) =>
  item.requires === undefined ? [] : [item.requires],
);

/** Whether a nav item is shown, given the optional endpoints that answered. */
export function isShown(item: NavItem, available: ReadonlySet<string>): boolean {
  return item.requires === undefined || available.has(item.requires);
}
