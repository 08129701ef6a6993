import {
  createContext,
  type DependencyList,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
} from 'react';
import type { ApiClient } from './api.ts';
import type { Role } from './role.ts';

/** What every page needs: the API client and which optional admin APIs this server has. */
export interface ConsoleContextValue {
  readonly api: ApiClient;
  /** Paths of optional list endpoints that answered (not 404), e.g. `/v1/admin/resources`. */
  readonly available: ReadonlySet<string>;
  /** `METHOD path` of every operation in /openapi.json, e.g. `POST /v1/admin/resources`. */
  readonly operations: ReadonlySet<string>;
  /** The signed-in token's role, when the console could tell. */
  readonly role: Role | undefined;
}

export const ConsoleContext = createContext<ConsoleContextValue | undefined>(undefined);

/** The console context of the signed-in session. */
export function useConsole(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (value === undefined) throw new Error('useConsole outside ConsoleContext');
  return value;
}

/** The state of one load. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** Runs `load` when `deps` change (latest call wins) and on `reload()`. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload.
  useEffect(() => {
    const call = ++latest.current;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => {
        if (call === latest.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (call === latest.current) setState((previous) => ({ ...previous, error, loading: false }));
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** Cursor paging: a stack of `after` cursors, reset whenever `resetKey` changes (new filters). */
export function useCursorPaging(resetKey: string) {
  const [stack, setStack] = useState<readonly (string | undefined)[]>([undefined]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: resetKey is the trigger, not a value used.
  useEffect(() => setStack([undefined]), [resetKey]);
  return {
    after: stack[stack.length - 1],
    page: stack.length,
    next: (cursor: string | null) => {
      if (cursor !== null) setStack((s) => [...s, cursor]);
    },
    prev: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
  };
}

/** `value`, settled for `ms` milliseconds (search boxes do not query on every keystroke). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
