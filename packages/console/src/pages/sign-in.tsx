import { type FormEvent, useState } from 'react';
import { ApiError, createApiClient } from '../api.ts';

/** Sign in with an admin API token; it is checked against the API before it is kept. */
export function SignInPage(props: { notice?: string | undefined; onSignedIn(token: string): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = token.trim();
    if (value === '') return;
    setBusy(true);
    setError(undefined);
    try {
      const api = createApiClient({ token: value, onUnauthorized: () => undefined });
      await api.get('/v1/admin/devices', { limit: 1 });
      props.onSignedIn(value);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401
          ? 'This token was not accepted. Check that it is a current admin API token.'
          : failure instanceof Error
            ? failure.message
            : 'Sign-in failed.',
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-h">
        <div className="brand brand-large">
          <img src="/favicon.svg" alt="" width="36" height="36" />
          <span>Riskgate</span>
        </div>
        <h1 id="sign-in-h">Sign in to the console</h1>
        <p className="muted">
          Paste an admin API token (it starts with <code>rgat_</code>). <code>npm start</code> prints one for
          the demo tenant. The token stays in this browser tab only.
        </p>
        {props.notice !== undefined && (
          <div className="notice notice-info" role="status">
            {props.notice}
          </div>
        )}
        {error !== undefined && (
          <div className="notice notice-error" role="alert">
            {error}
          </div>
        )}
        <label className="field">
          <span>Admin API token</span>
          <input
            type="password"
            name="token"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(event) => setToken(event.target.value)}
            required
          />
        </label>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
