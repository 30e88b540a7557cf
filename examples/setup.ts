// What the example apps share: the key (zero set-up), the seeded admin, and the start-up banner.
import { randomBytes } from 'node:crypto';
import {
  createAuth,
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
}

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
  const auth = createAuth({
    key,
    store: sessions.store,
    issuer: 'jwt-gate-example',
    audience: 'jwt-gate-example',
    expiresIn: '1h',
    // A login lasts 30 days through /auth/refresh; each refresh token works once. Its cookie goes to
    // every route under /auth, so /auth/logout ends the login even once the access token has expired.
    refresh: { expiresIn: '30d' },
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
  return [
    `${name} listening on ${url}`,
    `keys: ${setup.keyDescription}`,
    `sessions: ${setup.storeDescription}`,
    `seeded admin: ${setup.admin.email} / ${setup.admin.password}`,
    '',
    'Try it (the cookie jar keeps the session):',
    `  curl -i ${url}/`,
    `  curl -i ${jar} -H 'Content-Type: application/json' -d '{"email":"ada@example.com","password":"correct horse"}' ${url}/signup`,
    `  curl -i ${jar} -H 'Content-Type: application/json' -d '{"email":"ada@example.com","password":"correct horse"}' ${url}/login`,
    `  curl -i ${jar} ${url}/me`,
    `  curl -i ${jar} ${url}/admin          # 403: ada is a member`,
    `  curl -i ${jar} ${url}/               # the public page knows ada`,
    `  curl -i ${jar} -X POST ${url}/auth/refresh      # a new access token, and a new refresh token`,
    `  curl -i ${jar} -X POST ${url}/auth/logout-everywhere   # ends ada's sessions on every device`,
    `  curl -i ${jar} -H 'Content-Type: application/json' -d '{"email":"ada@example.com","password":"correct horse"}' ${url}/login`,
    `  curl -i ${jar} -X POST ${url}/auth/logout`,
    `  curl -i ${jar} ${url}/me             # 401 again`,
    `  TOKEN=$(curl -s -H 'Content-Type: application/json' -d '{"email":"${setup.admin.email}","password":"${setup.admin.password}"}' ${url}/login | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')`,
    `  curl -i -H "Authorization: Bearer $TOKEN" ${url}/admin`,
  ].join('\n');
}
