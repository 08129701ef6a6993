import type { ReactNode } from 'react';
import { ApiError } from '../api.ts';
import { humanize } from '../format.ts';

/** A device risk level or threat risk as a coloured badge with its word (never colour alone). */
export function RiskBadge({ level }: { level: string }) {
  return (
    <span className={`badge risk risk-${level}`} data-risk={level}>
      <span className="dot" aria-hidden="true" />
      {level}
    </span>
  );
}

/** A compliance or threat state badge. */
export function StateBadge({ state }: { state: string }) {
  return <span className={`badge state state-${state}`}>{humanize(state)}</span>;
}

/** A neutral tag (labels, groups, ATT&CK ids). */
export function Tag({ children }: { children: ReactNode }) {
  return <span className="tag">{children}</span>;
}

/** The page title row. */
export function PageHeader(props: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.description !== undefined && <p className="muted">{props.description}</p>}
      </div>
      {props.actions !== undefined && <div className="actions">{props.actions}</div>}
    </header>
  );
}

/** An error explained, with the request id support can look up. */
export function ErrorNotice({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const message =
    error instanceof ApiError
      ? error.status === 403
        ? `Your role may not do this (${error.message}).`
        : error.message
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <div className="notice notice-error" role="alert">
      <strong>Something went wrong.</strong> {message}
      {error instanceof ApiError && error.requestId !== undefined && (
        <span className="muted small"> Request id: {error.requestId}</span>
      )}
    </div>
  );
}

/** A success or info message. */
export function Notice({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'success' }) {
  return (
    <div className={`notice notice-${tone}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** Previous / next buttons for cursor paging. */
export function Pager(props: { page: number; hasNext: boolean; onPrev(): void; onNext(): void }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="btn" onClick={props.onPrev} disabled={props.page <= 1}>
        ← Previous
      </button>
      <span className="muted">Page {props.page}</span>
      <button type="button" className="btn" onClick={props.onNext} disabled={!props.hasNext}>
        Next →
      </button>
    </nav>
  );
}

/** A labelled select of string options; `''` means "any". */
export function SelectField(props: {
  label: string;
  value: string;
  options: readonly string[];
  onChange(value: string): void;
  anyLabel?: string;
}) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(event) => props.onChange(event.target.value)}>
        {props.anyLabel !== undefined && <option value="">{props.anyLabel}</option>}
        {props.options.map((option) => (
          <option key={option} value={option}>
            {humanize(option)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A labelled text input. */
export function TextField(props: {
  label: string;
  value: string;
  onChange(value: string): void;
  placeholder?: string;
  type?: 'text' | 'number' | 'search' | 'password';
  required?: boolean;
}) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        required={props.required}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </label>
  );
}
