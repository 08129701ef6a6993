import {
  createContext,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useState,
} from 'react';

/** The current location and a way to move, without a router library. */
interface RouterValue {
  readonly path: string;
  readonly search: URLSearchParams;
  navigate(to: string, options?: { replace?: boolean }): void;
}

const RouterContext = createContext<RouterValue | undefined>(undefined);

function current() {
  return { path: window.location.pathname, search: window.location.search };
}

/** History-API routing: the server answers every console path with index.html. */
export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const onPop = () => setLocation(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: string, options: { replace?: boolean } = {}) => {
    if (options.replace === true) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
    setLocation(current());
    window.scrollTo(0, 0);
  }, []);
  const value: RouterValue = {
    path: location.path,
    search: new URLSearchParams(location.search),
    navigate,
  };
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

/** The router of the nearest {@link RouterProvider}. */
export function useRouter(): RouterValue {
  const value = useContext(RouterContext);
  if (value === undefined) throw new Error('useRouter outside RouterProvider');
  return value;
}

/** A link that navigates in-app (ctrl/cmd-click still opens a new tab). */
export function Link(props: {
  to: string;
  children: ReactNode;
  className?: string;
  'aria-current'?: 'page';
}) {
  const { navigate } = useRouter();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} onClick={onClick} className={props.className} aria-current={props['aria-current']}>
      {props.children}
    </a>
  );
}
