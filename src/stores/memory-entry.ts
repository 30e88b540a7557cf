import type { LoginMeta } from './store.js';

export const REVOKED = 0;
export const USED = 1;
export const CUT = 2;
export const LOGIN = 3;

/** What a login's record keeps beside its sid (the entry's id). */
export interface LoginDetail {
  readonly signedInAt: number;
  readonly lastActiveAt: number;
  /** The login's last second, read from its sid. */
  readonly end: number;
  readonly meta: LoginMeta;
}

/** One entry, of one shape whatever its kind: a revoked id, a used id (with its step), a subject's cut or a login. */
export interface Entry {
  readonly kind: typeof REVOKED | typeof USED | typeof CUT | typeof LOGIN;
  /** The id (a login's sid); '' for a cut. */
  readonly id: string;
  readonly sub: string | undefined;
  readonly until: number;
  /** When it was written: every token it speaks for was issued at or before this. */
  readonly written: number;
  /** A used id's step; a cut's generation. */
  readonly count: number;
  /** A cut's not-before. */
  readonly notBefore: number;
  /** A login's record. */
  readonly login: LoginDetail | undefined;
}

/** What one subject holds; its maps are made when first needed. */
export interface Subject {
  revoked: Map<string, Entry> | undefined;
  used: Map<string, Entry> | undefined;
  cut: Entry | undefined;
  logins: Map<string, Entry> | undefined;
}

/** The entries that count against `maxPerSubject`: revocations and spent refresh tokens, not live logins. */
export const entriesOf = (subject: Subject): number =>
  (subject.revoked?.size ?? 0) + (subject.used?.size ?? 0);

export const isLive = (entry: Entry | undefined, t: number): entry is Entry =>
  entry !== undefined && entry.until > t;
