import { AuthError } from '../errors.js';
import { bearerToken, cookieToken, cookieValues } from './headers.js';

/** The only part of a request the core reads: Node's lower-cased header map. */
export interface RequestLike {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Node's headers with repeats kept: `headers` keeps only the first `Authorization`. */
  readonly headersDistinct?: Readonly<Record<string, string[] | undefined>>;
  /** Node's raw name/value list; read instead of `headersDistinct` when present, which is cheaper. */
  readonly rawHeaders?: readonly string[];
  /** The request target, as Node's `req.url`: where sign-out checks that the refresh cookie reaches. */
  readonly url?: string | undefined;
  /** The method: unsafe methods get the CSRF checks, and a CORS preflight no token check. */
  readonly method?: string | undefined;
}

/**
 * What an adapter knows of a request besides the request itself, as `authenticate` and the guards take it.
 * Nothing of it is needed: `auth.authenticate(req)` alone works for any framework.
 */
export interface RequestContext {
  /**
   * The framework's own request, which `getToken` and `requestId` receive (Koa's `ctx`, Fastify's
   * `request`). @default the request
   */
  readonly request?: unknown;
  /**
   * The path the client asked for, before any rewrite (`req.originalUrl`, `ctx.originalUrl`,
   * `request.originalUrl`): what `refused` events say, and what sign-out checks the refresh cookie reaches.
   */
  readonly path?: string | undefined;
  /** The route pattern that matched, when the framework knows it: for `refused` events. */
  readonly route?: string | undefined;
}

/** A place a token is looked for: the `Authorization: Bearer` header, the session cookie, the app's `getToken`. */
export type TokenSourceName = 'bearer' | 'cookie' | 'getToken';

/** Where tokens may come from, resolved once by `createAuth`. */
export interface TokenSources {
  /** The places looked in, in order; the first that holds a token decides. */
  readonly order: readonly TokenSourceName[];
  /** The session cookie's name, or `undefined` when cookies are off. */
  readonly cookieName: string | undefined;
}

/**
 * `req` with its header names in lower case, as Node gives them. A request made by hand (a serverless
 * shim, a test) may say `Authorization`; a name sent in two cases counts as sent twice. Node's own
 * requests (they have `rawHeaders`) and requests already in lower case are returned as they are.
 */
export function lowerCased<R extends RequestLike>(req: R): R {
  // Anything else than an object is left for authenticate to refuse, as it always has.
  const given: unknown = req;
  if (typeof given !== 'object' || given === null || Array.isArray(req.rawHeaders)) return req;
  const headers: unknown = req.headers;
  if (typeof headers !== 'object' || headers === null) return req;
  const names = Object.keys(headers);
  if (names.every((name) => name === name.toLowerCase())) return req;
  const lowered: Record<string, string | string[] | undefined> = Object.create(null) as Record<
    string,
    string | string[] | undefined
  >;
  for (const name of names) {
    const value = (headers as Record<string, string | string[] | undefined>)[name];
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const before = lowered[key];
    lowered[key] =
      before === undefined
        ? value
        : key === 'cookie'
          ? [before, value].flat().join('; ')
          : [before, value].flat();
  }
  return { ...req, headers: lowered };
}

/**
 * The request's `Authorization` header as `headersDistinct?.authorization ?? headers.authorization`
 * reads it: every value when it came more than once (RFC 6750 §3.1 makes that a 400), where
 * `headers` keeps only the first. Node builds `headersDistinct` on first read by copying every
 * header of the request into an array; one pass over `rawHeaders` finds the same values.
 */
function authorizationOf(req: RequestLike): string | string[] | undefined {
  const raw = req.rawHeaders;
  if (!Array.isArray(raw)) return req.headersDistinct?.authorization ?? req.headers.authorization;
  let values: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name: unknown = raw[i];
    if (typeof name === 'string' && name.length === 13 && name.toLowerCase() === 'authorization')
      (values ??= []).push(raw[i + 1] as string);
  }
  if (values === undefined) return req.headers.authorization;
  return values.length === 1 ? values[0] : values;
}

/**
 * Where a token came from. A cookie rides along on any request the browser makes, so it needs the
 * CSRF checks and may be renewed; a `bearer` token was presented on purpose by the client.
 */
export type TokenSource = 'bearer' | 'cookie';

/** A token and where the request carried it. */
export interface FoundToken {
  readonly token: string;
  readonly source: TokenSource;
}

/** The token `source` holds (`bearer` or `cookie`), if any. */
export function tokenFrom(
  req: RequestLike,
  source: TokenSourceName,
  cookieName: string | undefined,
): FoundToken | undefined {
  if (source === 'bearer') {
    // Two Authorization headers are a 400 (RFC 6750 §3.1), not "the first one wins" as in `headers`.
    const token = bearerToken(authorizationOf(req));
    return token === undefined ? undefined : { token, source: 'bearer' };
  }
  if (source !== 'cookie' || cookieName === undefined) return undefined;
  const token = cookieToken(req.headers.cookie, cookieName);
  return token === undefined ? undefined : { token, source: 'cookie' };
}

/** The request's token, from the first of `sources` (but `getToken`) that holds one. */
export function extractToken(req: RequestLike, sources: TokenSources): FoundToken | undefined {
  for (const source of sources.order) {
    const found = tokenFrom(req, source, sources.cookieName);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The tokens `source` holds, for sign-out: the Bearer token, or every value of the session cookie, so
 * that a cookie planted beside the browser's own does not hide it.
 */
export function tokensFrom(
  req: RequestLike,
  source: TokenSourceName,
  cookieName: string | undefined,
): FoundToken[] {
  if (source !== 'cookie' || cookieName === undefined) {
    const found = tokenFrom(req, source, cookieName);
    return found === undefined ? [] : [found];
  }
  return cookieValues(req.headers.cookie, cookieName)
    .filter((token) => token !== '')
    .map((token) => ({ token, source: 'cookie' }));
}

/**
 * What `getToken` returned, as a found token. A bare string may have come from anywhere, a cookie
 * included, so it gets the cookie's checks; `{ token, source: 'bearer' }` says it did not.
 */
export function foundToken(value: unknown): FoundToken | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return { token: value, source: 'cookie' };
  const found = value as Partial<FoundToken>;
  if (
    typeof found === 'object' &&
    (found.source === 'bearer' || found.source === 'cookie') &&
    typeof found.token === 'string'
  ) {
    return found.token === '' ? undefined : { token: found.token, source: found.source };
  }
  // Whatever else it found is no token at all, as a number in the header would be.
  throw new AuthError('ERR_TOKEN_MALFORMED');
}

/** The path of `req.url`, without its query, or `undefined` when the request has none. */
export function requestPath(req: RequestLike): string | undefined {
  const url = req.url;
  if (typeof url !== 'string' || url === '') return undefined;
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}
