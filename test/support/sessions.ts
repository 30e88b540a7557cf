// What the session tests share: a test clock, the browser's side of the cookies, and the test apps' routes.
import request from 'supertest';
import { afterEach, beforeEach, expect } from 'vitest';
import {
  createAuth,
  hs256,
  memoryStore,
  type Auth,
  type AuthOptions,
  type RequestLike,
  type SessionStore,
} from '../../src/index.js';
import type { Handler, Variant } from '../adapters/apps.js';
import { NOW_MS, SECRET } from '../helpers.js';
import type { StoreKind } from './store-kinds.js';

export const DAY = 86_400;
/** The attacker's site. */
export const EVIL = 'https://evil.test';

export const setCookies = (res: request.Response): string[] =>
  (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
export const cookiesOf = (res: request.Response): Record<string, string> =>
  Object.fromEntries(setCookies(res).map((c) => [c.split('=')[0]!, c]));
export const valueOf = (cookie: string | undefined): string => /^[^=]+=([^;]*)/.exec(cookie ?? '')?.[1] ?? '';
export const payloadOf = (
  token: string,
): Record<string, unknown> & { exp: number; iat: number; jti: string } =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown> & {
    exp: number;
    iat: number;
    jti: string;
  };

/** The claims a token carries but the session's own: without iat, exp and jti. */
export const withoutManaged = (claims: Record<string, unknown>): Record<string, unknown> => {
  const { iat: _iat, exp: _exp, jti: _jti, ...rest } = claims;
  return rest;
};

export interface Session {
  readonly access: string;
  readonly refresh: string;
  readonly csrf: string;
}
export const sessionOf = (res: request.Response): Session => {
  const cookies = cookiesOf(res);
  return {
    access: valueOf(cookies.jwt),
    refresh: valueOf(cookies['jwt-refresh']),
    csrf: valueOf(cookies.csrf),
  };
};
export async function login(app: Handler): Promise<Session> {
  const res = await request(app).post('/login');
  expect(res.status).toBe(204);
  return sessionOf(res);
}
export const withCookie = (app: Handler, token: string): request.Test =>
  request(app).get('/required').set('Cookie', `jwt=${token}`);
export const withBearer = (app: Handler, token: string): request.Test =>
  request(app).get('/required').set('Authorization', `Bearer ${token}`);
export const refreshWith = (app: Handler, token: string): request.Test =>
  request(app).post('/auth/refresh').set('Cookie', `jwt-refresh=${token}`);
export const logout = (app: Handler, token: string): request.Test =>
  request(app).post('/auth/logout').set('Cookie', `jwt=${token}`);

/** A custom getToken that reads the session cookie, as the built-in one does. */
export const cookieOf = (req: RequestLike): string | undefined =>
  /(?:^|;\s*)jwt=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
/** express-jwt's classic getToken: the query string, else the session cookie. */
export const fromQueryOrCookie = (req: RequestLike): string | undefined => {
  const query = new URL(req.url ?? '/', 'http://app.local').searchParams.get('token');
  return query ?? cookieOf(req);
};

export function expectRefused(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: (res.body as { code?: unknown }).code }).toEqual({ status, code });
}

export interface Setup {
  readonly auth: Auth;
  readonly app: Handler;
  readonly store: SessionStore;
  /** Sets the clock to `seconds` after NOW. */
  at(seconds: number): void;
  now(): number;
}

/** What every session test app runs on: 15-minute access tokens and 30-day logins, on `store` and the clock `now`. */
export const sessionOptions = (store: SessionStore, now: () => number): AuthOptions => ({
  key: hs256(SECRET),
  expiresIn: '15m',
  store,
  now,
  refresh: { expiresIn: '30d' },
});

/** An app of `variant` on {@link sessionOptions}, a memory store (or `store`) and a test clock. */
export function sessionApp(
  variant: Variant,
  extra: Partial<AuthOptions> = {},
  store?: (now: () => number) => SessionStore,
): Setup {
  let clock = NOW_MS;
  const now = (): number => clock;
  const chosen = store?.(now) ?? memoryStore({ now });
  const auth = createAuth({ ...sessionOptions(chosen, now), ...extra });
  return {
    auth,
    app: variant.build(auth),
    store: chosen,
    at: (seconds) => void (clock = NOW_MS + seconds * 1000),
    now,
  };
}

/** {@link sessionApp} on a store of `kind`, with the Redis key prefix when there is one. */
export function sessionOn(
  variant: Variant,
  kind: StoreKind,
  extra: Partial<AuthOptions> = {},
): Setup & { readonly prefix: string | undefined } {
  let prefix: string | undefined;
  const setup = sessionApp(variant, extra, (now) => {
    const made = kind.make(now);
    prefix = made.prefix;
    return made.store;
  });
  return { ...setup, prefix };
}

/** Collects unhandled rejections during each test of the file (one would end a real process). */
export function unhandledRejections(): unknown[] {
  const escaped: unknown[] = [];
  const collect = (reason: unknown): void => void escaped.push(reason);
  beforeEach(() => {
    escaped.length = 0;
    process.on('unhandledRejection', collect);
  });
  afterEach(() => void process.off('unhandledRejection', collect));
  return escaped;
}
