import {
  isAuthError,
  subjectOfRefusal,
  type AuthError,
  type AuthErrorCode,
  type AuthErrorStatus,
} from './errors.js';
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
 * A token was refused: every AuthError that leaves verify, authenticate, refresh or a guard. What it
 * says of the request is known only where there is one (not for `auth.verify(token)`), and never holds
 * a token, a cookie, a header or a query string.
 */
export interface RefusedEvent {
  readonly type: 'refused';
  readonly code: AuthErrorCode;
  readonly status: AuthErrorStatus;
  /** For `ERR_CLAIM_INVALID`: the claim that failed. */
  readonly claim: string | undefined;
  /** The token's `sub`, once its signature was verified: never one a forged token names. */
  readonly sub?: string;
  readonly method?: string;
  /** The path the client asked for, without its query string. */
  readonly path?: string;
  /** The route pattern that matched, when the framework knew it by then (Express `req.route.path`). */
  readonly route?: string;
  /** What the `requestId` option read from the request. */
  readonly requestId?: string;
}

/**
 * What `onEvent` hears. None carries a token, a key or a claim value beyond the subject of a
 * verified session, so events can go to logs and metrics as they are.
 */
export type AuthEvent =
  | RefusedEvent
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

/** The part of a request a refusal event reads (Node's `method` and `url`). */
export interface RefusalRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
}

/** What an adapter adds: the framework's own request (for `requestId`), the path before routing, the route. */
export interface RefusalContext {
  readonly request?: unknown;
  readonly path?: string | undefined;
  readonly route?: string | undefined;
}

/** Reports an AuthError as a `refused` event, with what `req` and `context` tell of the request. */
export type RefusalReporter = (err: AuthError, req?: RefusalRequest, context?: RefusalContext) => void;

/** Where an `Auth` keeps its reporter, for the guard to report the refusals it makes itself. */
export const AUTH_EVENTS: unique symbol = Symbol('jwt-gate.events');

/** The refusal reporter of `auth`, when it has a listener. */
export const eventsOf = (auth: object): RefusalReporter | undefined =>
  (auth as { [AUTH_EVENTS]?: RefusalReporter })[AUTH_EVENTS];

// A listener's failure, as a process warning; whatever it threw, even a value String() cannot convert.
function warnOf(err: unknown, option: 'onEvent' | 'requestId' = 'onEvent'): void {
  let warning: Error;
  try {
    warning = err instanceof Error ? err : new Error(String(err));
  } catch {
    warning = new Error(`jwt-gate: the ${option} function threw a value that cannot be shown`);
  }
  process.emitWarning(warning, `jwt-gate ${option}`);
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
      if (isPromiseLike(result))
        Promise.resolve(result).catch((err: unknown) => {
          warnOf(err);
        });
    } catch (err) {
      warnOf(err);
    }
  };
}

// A target's path: the query string can hold a token (?access_token=), and never leaves.
function pathOf(target: unknown): string | undefined {
  if (typeof target !== 'string' || target === '') return undefined;
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

const stringOr = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The reporter of `refused` events for `emit`. `requestId` reads the app's own id from the framework's
 * request; one that throws is a process warning and the event goes without it.
 */
export function refusalReporter(
  emit: EventSink,
  requestId: ((request: unknown) => unknown) | undefined,
): RefusalReporter {
  return (err, req, context) => {
    const event: { -readonly [K in keyof RefusedEvent]: RefusedEvent[K] } = {
      type: 'refused',
      code: err.code,
      status: err.status,
      claim: err.claim,
    };
    const sub = subjectOfRefusal(err);
    if (sub !== undefined) event.sub = sub;
    if (req !== undefined) {
      const method = stringOr(req.method);
      const path = pathOf(context?.path ?? req.url);
      const route = stringOr(context?.route);
      if (method !== undefined) event.method = method;
      if (path !== undefined) event.path = path;
      if (route !== undefined) event.route = route;
      if (requestId !== undefined) {
        try {
          const id = stringOr(requestId(context?.request ?? req));
          if (id !== undefined) event.requestId = id;
        } catch (thrown) {
          warnOf(thrown, 'requestId');
        }
      }
    }
    emit(event);
  };
}

/** Reports an AuthError leaving the library as a `refused` event; returns it unchanged. */
export function reportRefusal(
  report: RefusalReporter | undefined,
  err: unknown,
  req?: RefusalRequest,
  context?: RefusalContext,
): unknown {
  if (report !== undefined && isAuthError(err)) report(err, req, context);
  return err;
}
