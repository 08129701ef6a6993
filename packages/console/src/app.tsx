import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApiClient } from './api.ts';
import { Loading } from './components/ui.tsx';
import { loadOperations, probeEndpoints } from './discover.ts';
import { ConsoleContext, type ConsoleContextValue } from './hooks.tsx';
import { isShown, NAV_ITEMS, OPTIONAL_ENDPOINTS } from './nav.ts';
import { AccessPoliciesPage, ResourcesPage } from './pages/access.tsx';
import { AccessLogPage } from './pages/access-log.tsx';
import { AuditLogPage } from './pages/audit-log.tsx';
import { CompliancePoliciesPage } from './pages/compliance-policies.tsx';
import { DeviceDetailPage } from './pages/device-detail.tsx';
import { DevicesPage } from './pages/devices.tsx';
import { EnrollmentTokensPage } from './pages/enrollment-tokens.tsx';
import { IntelFeedsPage } from './pages/intel-feeds.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { ThreatTypesPage } from './pages/threat-types.tsx';
import { ThreatsPage } from './pages/threats.tsx';
import { detectRole, type Role } from './role.ts';
import { Link, useRouter } from './router.tsx';
import { clearToken, loadToken, saveToken } from './session.ts';

/** The page for a path, or `undefined` when there is none. */
function routeTo(path: string, available: ReadonlySet<string>, role: Role | undefined) {
  const device = /^\/devices\/([^/]+)\/?$/.exec(path);
  if (device?.[1] !== undefined) return <DeviceDetailPage id={decodeURIComponent(device[1])} />;
  const item = NAV_ITEMS.find((nav) => nav.path === path.replace(/\/$/, ''));
  if (path === '/' || path === '') return <DevicesPage />;
  if (item === undefined || !isShown(item, available, role)) return undefined;
  switch (item.path) {
    case '/devices':
      return <DevicesPage />;
    case '/threats':
      return <ThreatsPage />;
    case '/threat-types':
      return <ThreatTypesPage />;
    case '/compliance-policies':
      return <CompliancePoliciesPage />;
    case '/intel-feeds':
      return <IntelFeedsPage />;
    case '/enrollment-tokens':
      return <EnrollmentTokensPage />;
    case '/audit-log':
      return <AuditLogPage />;
    case '/resources':
      return <ResourcesPage />;
    case '/access-policies':
      return <AccessPoliciesPage />;
    case '/access-log':
      return <AccessLogPage />;
    default:
      return undefined;
  }
}

/** The signed-in console: navigation, then the page of the current path. */
function Shell(props: { value: ConsoleContextValue; onSignOut(): void }) {
  const { path } = useRouter();
  const [menuOpen, setMenuOpen] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the mobile menu on every navigation.
  useEffect(() => setMenuOpen(false), [path]);
  const page = routeTo(path, props.value.available, props.value.role);
  const section = path === '/' ? '/devices' : `/${path.split('/')[1] ?? ''}`;
  return (
    <ConsoleContext.Provider value={props.value}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="layout">
        <header className="sidebar">
          <div className="sidebar-top">
            <Link to="/devices" className="brand">
              <img src="/favicon.svg" alt="" width="28" height="28" />
              <span>Riskgate</span>
            </Link>
            <button
              type="button"
              className="btn menu-toggle"
              aria-expanded={menuOpen}
              aria-controls="main-nav"
              onClick={() => setMenuOpen(!menuOpen)}
            >
              Menu
            </button>
          </div>
          <nav id="main-nav" aria-label="Main" className={menuOpen ? 'open' : undefined}>
            <ul>
              {NAV_ITEMS.filter((item) => isShown(item, props.value.available, props.value.role)).map(
                (item) => (
                  <li key={item.path}>
                    <Link
                      to={item.path}
                      {...(section === item.path ? { 'aria-current': 'page' as const } : {})}
                    >
                      {item.label}
                    </Link>
                  </li>
                ),
              )}
            </ul>
            {props.value.role !== undefined && (
              <p className="signed-in">
                Signed in as <strong>{props.value.role}</strong>
              </p>
            )}
            <button type="button" className="btn sign-out" onClick={props.onSignOut}>
              Sign out
            </button>
          </nav>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          {page ?? (
            <>
              <h1>Page not found</h1>
              <p>
                There is no console page at <code>{path}</code>. <Link to="/devices">Go to devices</Link>.
              </p>
            </>
          )}
        </main>
      </div>
    </ConsoleContext.Provider>
  );
}

/** The console: sign-in until a token is accepted; a 401 anywhere signs out. */
export function App() {
  const [token, setToken] = useState(() => loadToken(window.sessionStorage));
  const [notice, setNotice] = useState<string>();
  const [discovered, setDiscovered] =
    useState<Pick<ConsoleContextValue, 'available' | 'operations' | 'role'>>();

  const signOut = useCallback((message?: string) => {
    clearToken(window.sessionStorage);
    setToken(undefined);
    setDiscovered(undefined);
    setNotice(message);
  }, []);

  const api = useMemo(
    () =>
      token === undefined
        ? undefined
        : createApiClient({
            token,
            onUnauthorized: () => signOut('Your session ended: the token was rejected. Sign in again.'),
          }),
    [token, signOut],
  );

  useEffect(() => {
    if (api === undefined || token === undefined) return;
    let cancelled = false;
    Promise.all([probeEndpoints(api, OPTIONAL_ENDPOINTS), loadOperations(), detectRole(api, token)]).then(
      ([available, operations, role]) => {
        if (!cancelled) setDiscovered({ available, operations, role });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, token]);

  if (api === undefined)
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(value) => {
          saveToken(window.sessionStorage, value);
          setNotice(undefined);
          setToken(value);
        }}
      />
    );
  if (discovered === undefined) return <Loading label="Opening the console…" />;
  return <Shell value={{ api, ...discovered }} onSignOut={() => signOut()} />;
}
