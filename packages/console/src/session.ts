/** Where the admin token lives: the browser tab's session storage (gone when the tab closes). */

/** The part of the Web Storage API the session needs (sessionStorage in the browser). */
export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY = 'riskgate.adminToken';

export function loadToken(store: TokenStore): string | undefined {
  const value = store.getItem(KEY);
  return value === null || value === '' ? undefined : value;
}

export function saveToken(store: TokenStore, token: string): void {
  store.setItem(KEY, token);
}

export function clearToken(store: TokenStore): void {
  store.removeItem(KEY);
}
