import { isAuthError, type AuthErrorCode, type AuthErrorStatus } from './errors.js';
import type { EventError } from './event-error.js';
import { isPromiseLike } from './promise.js';

/** Why a key of a fetched JWK Set was left out: see the `key-skipped` event. */
export type KeySkipReason = 'weak' | 'private' | 'invalid';

/**
 * A key of a fetched JWK Set (jwks, oidc) was left out although it is one for signatures: `weak` (RSA
 * under 2048 bits, or an exponent that is even, below 3, or 2^256 or more), `private` (published with
 * private members: a leak at the issuer), `invalid` (members that make no key, a kid that is no
 * string). The rest of the set is used. Heard when a fetch finds it, not again while later fetches do.
 */
export interface KeySkippedEvent {
  readonly type: 'key-skipped';
  readonly kid: string | undefined;
  readonly reason: KeySkipReason;
  /** The issuer of `issuers` whose set it was; absent for the app's own `key`. */
  readonly issuer?: string;
}

/**
 * What `onEvent` hears. None carries a token, a key or a claim value beyond the subject of a
 * verified session, so events can go to logs and metrics as they are.
 */
export type AuthEvent =
  /** A token was refused: every AuthError that leaves verify, authenticate, refresh or a guard. */
  | {
      readonly type: 'refused';
      readonly code: AuthErrorCode;
      readonly status: AuthErrorStatus;
      readonly claim: string | undefined;
    }
  /**
   * Verification keys could not be had (a JWKS endpoint down, with nothing cached): requests get 503.
   * `issuer` names the entry of `issuers` whose keys they are (absent for the app's own `key`).
   */
  | { readonly type: 'keys-unavailable'; readonly error: EventError; readonly issuer?: string }
  | { readonly type: 'keys-recovered'; readonly issuer?: string }
  | KeySkippedEvent
  /** The session store did not answer: requests get 503 (or go on, with `failOpen`). */
  | { readonly type: 'store-unavailable'; readonly error: EventError }
  | { readonly type: 'store-recovered' }
  /**
   * The near cache cannot read the revocation log (for over a second): every request asks Redis.
   * Requests are still answered; only their cost has changed.
   */
  | { readonly type: 'near-cache-unavailable'; readonly error: EventError }
  | { readonly type: 'near-cache-recovered' }
  /** A refresh token came back a second time: two holders, so the whole login was revoked. */
  | { readonly type: 'refresh-reuse'; readonly sub: string | undefined }
  | { readonly type: 'signed-in'; readonly sub: string | undefined }
  | { readonly type: 'signed-out'; readonly sub: string | undefined; readonly everywhere: boolean }
  | { readonly type: 'refreshed'; readonly sub: string | undefined };

export type EventSink = (event: AuthEvent) => void;

/** Where an `Auth` keeps its sink, for the guard to report the refusals it makes itself. */
export const AUTH_EVENTS: unique symbol = Symbol('jwt-gate.events');

/** The sink of `auth`, when it has one. */
export const eventsOf = (auth: object): EventSink | undefined =>
  (auth as { [AUTH_EVENTS]?: EventSink })[AUTH_EVENTS];

// A listener's failure, as a process warning; whatever it threw, even a value String() cannot convert.
function warnOf(err: unknown): void {
  let warning: Error;
  try {
    warning = err instanceof Error ? err : new Error(String(err));
  } catch {
    warning = new Error('jwt-gate: the onEvent listener threw a value that cannot be shown');
  }
  process.emitWarning(warning, 'jwt-gate onEvent');
}

/**
 * `onEvent`, made safe to call from the request path: a listener that throws never fails a request,
 * and an async one that rejects never leaves an unhandled rejection (which ends a Node process).
 */
export function eventSink(onEvent: ((event: AuthEvent) => unknown) | undefined): EventSink | undefined {
  if (onEvent === undefined) return undefined;
  return (event) => {
    try {
      const result: unknown = onEvent(event);
      if (isPromiseLike(result)) Promise.resolve(result).catch(warnOf);
    } catch (err) {
      warnOf(err);
    }
  };
}

/** Reports an AuthError leaving the library as a `refused` event; returns it unchanged. */
export function reportRefusal(emit: EventSink | undefined, err: unknown): unknown {
  if (emit !== undefined && isAuthError(err))
    emit({ type: 'refused', code: err.code, status: err.status, claim: err.claim });
  return err;
}
