// What the example apps share: the key (zero set-up), the session's lifetimes, the seeded admin, and
// the start-up banner.
import { randomBytes } from 'node:crypto';
import {
  createAuth,
  type Duration,
  hs256,
  memoryStore,
  redisStore,
  rs256,
  type Auth,
  type Claims,
  type SessionStore,
} from 'jwt-gate';
import { createClient } from 'redis';
import { UserStore, type User } from './users.js';

export interface ExampleOptions {
  /** Where the RS256 pair lives when JWT_SECRET is unset. @default '.keys' */
  readonly keyDir?: string;
  /** The seeded admin's password. @default ADMIN_PASSWORD, or a random one */
  readonly adminPassword?: string;
  /** How long an access token (the `jwt` cookie) lasts. @default EXAMPLE_ACCESS_TTL, or '1h' */
  readonly accessTtl?: Duration;
  /** How long a login lasts through refreshes and renewals. @default EXAMPLE_REFRESH_TTL, or '30d' */
  readonly refreshTtl?: Duration;
}

/** The header a page repeats the `csrf` cookie in (signed double submit); forms send it as `_csrf`. */
export const CSRF_HEADER = 'x-csrf-token';
/** A cookie token is renewed once past this fraction of its lifetime. */
export const RENEW_AFTER = 0.5;

// '90' is seconds, as the option takes them; '15m' and the like go through as they are.
const durationFrom = (value: string | undefined): Duration | undefined =>
  value === undefined || value === '' ? undefined : /^\d+$/.test(value) ? Number(value) : (value as Duration);

export interface ExampleSetup {
  readonly auth: Auth<User>;
  readonly users: UserStore;
  readonly admin: { readonly email: string; readonly password: string };
  readonly keyDescription: string;
  readonly storeDescription: string;
  /** Closes what the set-up opened (the Redis connection). */
  close(): Promise<void>;
}

/** Sessions live in Redis when REDIS_URL is set (several instances share them), else in memory. */
async function chooseStore(): Promise<{ store: SessionStore; described: string; close(): Promise<void> }> {
  const url = process.env.REDIS_URL;
  if (!url)
    return {
      store: memoryStore(),
      described: 'in memory (set REDIS_URL to share them)',
      close: async () => undefined,
    };
  // No offline queue: while Redis is down, requests fail at once with a 503 instead of waiting.
  const client = createClient({ url, disableOfflineQueue: true });
  client.on('error', (err: Error) => console.error(`redis: ${err.message}`));
  await client.connect();
  return {
    store: redisStore({ client }),
    described: `in Redis at ${url}`,
    close: async () => {
      await client.quit();
    },
  };
}

export async function setUp(options: ExampleOptions = {}): Promise<ExampleSetup> {
  const secret = process.env.JWT_SECRET;
  const keyDir = options.keyDir ?? '.keys';
  const key = secret ? hs256(secret) : rs256.fromFiles({ dir: keyDir });
  const sessions = await chooseStore();
  const refreshTtl = options.refreshTtl ?? durationFrom(process.env.EXAMPLE_REFRESH_TTL) ?? '30d';
  const auth = createAuth({
    key,
    store: sessions.store,
    issuer: 'jwt-gate-example',
    audience: 'jwt-gate-example',
    expiresIn: options.accessTtl ?? durationFrom(process.env.EXAMPLE_ACCESS_TTL) ?? '1h',
    // A login lasts 30 days through /auth/refresh; each refresh token works once. Its cookie goes to
    // every route under /auth, so /auth/logout ends the login even once the access token has expired.
    refresh: { expiresIn: refreshTtl },
    // A page loaded past half the token's life gets a fresh one, so an active user never waits on a refresh.
    renew: { after: RENEW_AFTER, maxAge: refreshTtl },
    // Signed double submit: page scripts send the readable `csrf` cookie back in this header.
    csrf: { header: CSRF_HEADER },
    user: (claims: Claims): User => ({
      id: claims.sub ?? '',
      email: String(claims.email),
      role: claims.role === 'admin' ? 'admin' : 'member',
    }),
  });
  const users = new UserStore();
  const admin = {
    email: 'admin@example.com',
    password: options.adminPassword ?? process.env.ADMIN_PASSWORD ?? randomBytes(9).toString('base64url'),
  };
  await users.signUp(admin.email, admin.password, 'admin');
  const keyDescription = secret
    ? 'HS256 with JWT_SECRET'
    : `RS256 with the key pair in ${keyDir}/ (generated on first start)`;
  return { auth, users, admin, keyDescription, storeDescription: sessions.described, close: sessions.close };
}

/** The claims a session carries: who, and what they may do. */
export const sessionClaims = (user: User): Claims => ({ sub: user.id, email: user.email, role: user.role });

export function banner(name: string, url: string, setup: ExampleSetup): string {
  const jar = '-c jar.txt -b jar.txt';
  const ada = `-H 'Content-Type: application/json' -d '{"email":"ada@example.com","password":"correct horse"}'`;
  const csrf = `-H "${CSRF_HEADER}: $(awk '$6 == "csrf" { print $7 }' jar.txt)"`;
  return [
    `${name} listening on ${url}`,
    `keys: ${setup.keyDescription}`,
    `sessions: ${setup.storeDescription}`,
    `seeded admin: ${setup.admin.email} / ${setup.admin.password}`,
    '',
    `Open ${url}/ in a browser: sign up, sign in, see "Your sessions", sign out.`,
    '',
    'Or try the JSON API (the cookie jar keeps the session; requests that change something repeat its',
    `csrf cookie in the ${CSRF_HEADER} header):`,
    `  curl -i ${url}/`,
    `  curl -i ${jar} ${ada} ${url}/signup`,
    `  curl -i ${jar} ${ada} ${url}/login`,
    `  curl -i ${jar} ${url}/me`,
    `  curl -i ${jar} ${url}/admin          # 403: ada is a member`,
    `  curl -i ${jar} ${url}/               # the public page knows ada`,
    `  curl -i ${jar} ${url}/auth/logins    # ada's logins ("Your sessions")`,
    `  curl -i ${jar} ${csrf} -X POST ${url}/auth/refresh      # a new access token, and a new refresh token`,
    `  curl -i ${jar} ${csrf} -X POST ${url}/auth/logout-everywhere   # ends ada's sessions on every device`,
    `  curl -i ${jar} ${ada} ${url}/login`,
    `  curl -i ${jar} ${csrf} -X POST ${url}/auth/logout`,
    `  curl -i ${jar} ${url}/me             # 401 again`,
    `  TOKEN=$(curl -s -H 'Content-Type: application/json' -d '{"email":"${setup.admin.email}","password":"${setup.admin.password}"}' ${url}/auth/token | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')`,
    `  curl -i -H "Authorization: Bearer $TOKEN" ${url}/admin`,
  ].join('\n');
}
