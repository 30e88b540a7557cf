// What both example apps share: the key (zero set-up), the seeded admin, and the start-up banner.
import { randomBytes } from 'node:crypto';
import { createAuth, hs256, rs256, type Auth, type Claims } from 'jwt-gate';
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
}

export async function setUp(options: ExampleOptions = {}): Promise<ExampleSetup> {
  const secret = process.env.JWT_SECRET;
  const keyDir = options.keyDir ?? '.keys';
  const key = secret ? hs256(secret) : rs256.fromFiles({ dir: keyDir });
  const auth = createAuth({
    key,
    issuer: 'jwt-gate-example',
    audience: 'jwt-gate-example',
    expiresIn: '1h',
    user: (claims: Claims): User => ({ id: claims.sub ?? '', email: String(claims.email), role: claims.role === 'admin' ? 'admin' : 'member' }),
  });
  const users = new UserStore();
  const admin = { email: 'admin@example.com', password: options.adminPassword ?? process.env.ADMIN_PASSWORD ?? randomBytes(9).toString('base64url') };
  await users.signUp(admin.email, admin.password, 'admin');
  const keyDescription = secret ? 'HS256 with JWT_SECRET' : `RS256 with the key pair in ${keyDir}/ (generated on first start)`;
  return { auth, users, admin, keyDescription };
}

/** The claims a session carries: who, and what they may do. */
export const sessionClaims = (user: User): Claims => ({ sub: user.id, email: user.email, role: user.role });

export function banner(name: string, url: string, setup: ExampleSetup): string {
  const jar = '-c jar.txt -b jar.txt';
  return [
    `${name} listening on ${url}`,
    `keys: ${setup.keyDescription}`,
    `seeded admin: ${setup.admin.email} / ${setup.admin.password}`,
    '',
    'Try it (the cookie jar keeps the session):',
    `  curl -i ${url}/`,
    `  curl -i ${jar} -H 'Content-Type: application/json' -d '{"email":"ada@example.com","password":"correct horse"}' ${url}/signup`,
    `  curl -i ${jar} -H 'Content-Type: application/json' -d '{"email":"ada@example.com","password":"correct horse"}' ${url}/login`,
    `  curl -i ${jar} ${url}/me`,
    `  curl -i ${jar} ${url}/admin          # 403: ada is a member`,
    `  curl -i ${jar} ${url}/               # the public page knows ada`,
    `  curl -i ${jar} -X POST ${url}/logout`,
    `  curl -i ${jar} ${url}/me             # 401 again`,
    `  TOKEN=$(curl -s -H 'Content-Type: application/json' -d '{"email":"${setup.admin.email}","password":"${setup.admin.password}"}' ${url}/login | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')`,
    `  curl -i -H "Authorization: Bearer $TOKEN" ${url}/admin`,
  ].join('\n');
}
