// One authority, many verifiers. Service A logs users in, signs RS256 tokens and publishes its public
// keys; service B knows nothing but A's JWKS URL and protects /orders. Then A rotates its key while
// B keeps accepting old and new tokens.
// Run: npm run start:issuer-verifier
import express, { type Express } from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAuth, generateKeyFiles, jwks, keySet, type Auth } from 'jwt-gate';
import { jwksHandler, requireAuth } from 'jwt-gate/express';
import { UserStore, readCredentials } from './users.js';

const ISSUER = 'service-a';
const AUDIENCE = 'shop';

export interface Issuer {
  readonly app: Express;
  /** Adds a new key pair, published but not yet signing; returns its kid. */
  addKey(): string;
  /** Signs with `kid` from now on; the other keys keep verifying. */
  activate(kid: string): void;
  activeKid(): string;
}

/** Service A: the only holder of private keys. */
export async function createIssuer(keyDir: string): Promise<Issuer> {
  const users = new UserStore();
  await users.signUp('ada@example.com', 'correct horse');
  let active = '';
  const build = (kid?: string): Auth => {
    const key = keySet.fromFiles({ dir: keyDir, ...(kid ? { active: kid } : {}) });
    active = key.signingKey?.()?.kid ?? '';
    return createAuth({ key, issuer: ISSUER, audience: AUDIENCE, expiresIn: '15m' });
  };
  let auth = build();

  const app = express();
  app.use(express.json({ limit: '10kb' }));
  app.post('/login', async (req, res) => {
    const credentials = readCredentials(req.body);
    const user =
      typeof credentials === 'string'
        ? undefined
        : await users.logIn(credentials.email, credentials.password);
    if (!user) return void res.status(401).json({ error: 'wrong email or password' });
    res.json({ token: await auth.issue({ sub: user.id, email: user.email }) });
  });
  // The published set follows rotations, so the handler is rebuilt with the auth.
  app.get('/.well-known/jwks.json', (req, res, next) => jwksHandler(auth, { maxAge: 60 })(req, res, next));

  return {
    app,
    addKey(): string {
      const kid = generateKeyFiles({ dir: keyDir, kid: `key-${Date.now().toString(36)}` });
      auth = build(active);
      return kid;
    },
    activate(kid: string): void {
      auth = build(kid);
    },
    activeKid: () => active,
  };
}

export const VERIFIER_COOLDOWN_MS = 1000;

/** Service B: verifies A's tokens with A's public keys, fetched from its JWKS URL. */
export function createVerifier(jwksUrl: string): Express {
  // A short cooldown for the demo; the default, 30 s, is the right order for production.
  const auth = createAuth({
    key: jwks({ url: jwksUrl, cooldownDuration: VERIFIER_COOLDOWN_MS }),
    issuer: ISSUER,
    audience: AUDIENCE,
  });
  const app = express();
  app.get('/orders', requireAuth(auth), (req, res) => {
    res.json({ orders: [{ id: 1, item: 'tea' }], for: req.user });
  });
  return app;
}

async function listen(app: Express, port: number): Promise<{ url: string; close(): void }> {
  const server = app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

async function main(): Promise<void> {
  const keyDir = mkdtempSync(join(tmpdir(), 'jwt-gate-issuer-'));
  process.once('exit', () => rmSync(keyDir, { recursive: true, force: true }));
  process.once('SIGINT', () => process.exit(0));
  const issuer = await createIssuer(keyDir);
  const a = await listen(issuer.app, Number(process.env.ISSUER_PORT ?? 4000));
  const b = await listen(
    createVerifier(`${a.url}/.well-known/jwks.json`),
    Number(process.env.VERIFIER_PORT ?? 4001),
  );
  const login = async (): Promise<string> =>
    (
      (await (
        await fetch(`${a.url}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'ada@example.com', password: 'correct horse' }),
        })
      ).json()) as { token: string }
    ).token;
  const orders = async (token: string): Promise<number> =>
    (await fetch(`${b.url}/orders`, { headers: { authorization: `Bearer ${token}` } })).status;

  console.log(`service A (issuer)   ${a.url}   keys in ${keyDir}, active kid ${issuer.activeKid()}`);
  console.log(`service B (verifier) ${b.url}   trusts ${a.url}/.well-known/jwks.json\n`);
  const before = await login();
  console.log(`token from A, kid ${issuer.activeKid()}: B /orders -> ${await orders(before)}`);
  const kid = issuer.addKey();
  console.log(`A publishes a new key, kid ${kid}, still signing with the old one`);
  // Activate only after verifiers may refetch: the first token with the new kid then finds it.
  await new Promise((resolve) => setTimeout(resolve, VERIFIER_COOLDOWN_MS + 100));
  issuer.activate(kid);
  const after = await login();
  console.log(
    `A signs with ${kid} now; new token: B /orders -> ${await orders(after)} (B refetched A's keys on the unknown kid)`,
  );
  console.log(
    `the token from before the rotation: B /orders -> ${await orders(before)} (the old key still verifies)\n`,
  );
  console.log('Try it:');
  console.log(`  curl ${a.url}/.well-known/jwks.json`);
  console.log(
    `  TOKEN=$(curl -s -H 'Content-Type: application/json' -d '{"email":"ada@example.com","password":"correct horse"}' ${a.url}/login | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')`,
  );
  console.log(`  curl -i -H "Authorization: Bearer $TOKEN" ${b.url}/orders`);
  console.log(`  curl -i ${b.url}/orders      # 401: no token`);
  console.log('\nCtrl-C stops both.');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
