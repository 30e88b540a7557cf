import { createSecretKey, webcrypto, type KeyObject } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { SignJWT, importPKCS8, importSPKI, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { eddsa, es256, hs256, ps256, rs256, type KeyProvider } from 'jwt-gate';
import {
  AUDIENCE,
  EC_PRIVATE_PEM,
  EC_PUBLIC_PEM,
  ED25519_PRIVATE_PEM,
  ED25519_PUBLIC_PEM,
  ISSUER,
  PRIVATE_PEM,
  PUBLIC_PEM,
  SECRET,
  keys,
  payload,
} from '../fixtures.js';
import {
  floorSign,
  floorSignAsync,
  floorSignHs256,
  floorVerify,
  floorVerifyHs256,
  type AsymmetricAlg,
} from '../floor.js';
import { gate } from '../gate.js';
import { benchRedisStore, redisAvailable } from '../redis.js';

/** Who a row measures: the node:crypto floor, this library, a peer it is compared with, or a reference shown beside them. */
export type Kind = 'floor' | 'jwt-gate' | 'peer' | 'reference';

export interface Case {
  readonly name: string;
  readonly kind: Kind;
  /** A verified-token cache: compared with the other caches, never the "fastest peer" of uncached rows. */
  readonly cached?: boolean;
  readonly fn: () => unknown;
}

export interface Group {
  readonly title: string;
  readonly cases: readonly Case[];
}

type Verify = (token: string) => unknown;
interface VerifyRow {
  readonly name: string;
  readonly kind: Kind;
  readonly cached?: boolean;
  readonly verify: Verify;
}

type Alg = 'HS256' | AsymmetricAlg;

/** One algorithm as every library is set up for it: keys imported once, in each one's fastest documented way. */
interface Setup {
  readonly alg: Alg;
  readonly verifyKey: KeyObject;
  readonly signKey: KeyObject;
  /** The secret or PEM text, for the peers that take text. */
  readonly verifyText: string;
  readonly signText: string;
  readonly provider: (use: 'sign' | 'verify') => KeyProvider;
  readonly webKey: (use: 'sign' | 'verify') => Promise<webcrypto.CryptoKey>;
  /** jsonwebtoken 9 has no EdDSA. */
  readonly jsonwebtoken: boolean;
  /** jwt-gate signs on the thread pool: every asymmetric algorithm (src/jws/jwa.ts). */
  readonly asyncSign: boolean;
}

const subtle = webcrypto.subtle;
const pemSetup = (
  alg: AsymmetricAlg,
  pair: { privateKey: KeyObject; publicKey: KeyObject },
  privatePem: string,
  publicPem: string,
  provider: (use: 'sign' | 'verify') => KeyProvider,
): Setup => ({
  alg,
  verifyKey: pair.publicKey,
  signKey: pair.privateKey,
  verifyText: publicPem,
  signText: privatePem,
  provider,
  webKey: (use) => (use === 'sign' ? importPKCS8(privatePem, alg) : importSPKI(publicPem, alg)),
  jsonwebtoken: alg !== 'EdDSA',
  asyncSign: true,
});

const rsa = { privateKey: keys.privateKey, publicKey: keys.publicKey };
const SETUPS: Readonly<Record<Alg, Setup>> = {
  HS256: {
    alg: 'HS256',
    verifyKey: keys.secret,
    signKey: keys.secret,
    verifyText: SECRET,
    signText: SECRET,
    provider: () => hs256(keys.secret),
    webKey: (use) =>
      subtle.importKey('raw', Buffer.from(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, [use]),
    jsonwebtoken: true,
    asyncSign: false,
  },
  // The RS256 CryptoKey is imported with subtle directly, as before the other algorithms came.
  RS256: {
    ...pemSetup('RS256', rsa, PRIVATE_PEM, PUBLIC_PEM, (use) =>
      use === 'sign' ? rs256({ privateKey: rsa.privateKey }) : rs256({ publicKey: rsa.publicKey }),
    ),
    webKey: (use) =>
      use === 'sign'
        ? subtle.importKey(
            'pkcs8',
            rsa.privateKey.export({ type: 'pkcs8', format: 'der' }),
            { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
            false,
            ['sign'],
          )
        : subtle.importKey(
            'spki',
            rsa.publicKey.export({ type: 'spki', format: 'der' }),
            { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
            false,
            ['verify'],
          ),
  },
  PS256: pemSetup('PS256', rsa, PRIVATE_PEM, PUBLIC_PEM, (use) =>
    use === 'sign' ? ps256({ privateKey: rsa.privateKey }) : ps256({ publicKey: rsa.publicKey }),
  ),
  ES256: pemSetup('ES256', keys.ec, EC_PRIVATE_PEM, EC_PUBLIC_PEM, (use) =>
    use === 'sign' ? es256({ privateKey: keys.ec.privateKey }) : es256({ publicKey: keys.ec.publicKey }),
  ),
  EdDSA: pemSetup('EdDSA', keys.ed25519, ED25519_PRIVATE_PEM, ED25519_PUBLIC_PEM, (use) =>
    use === 'sign'
      ? eddsa({ privateKey: keys.ed25519.privateKey })
      : eddsa({ publicKey: keys.ed25519.publicKey }),
  ),
};

const CHECKS = { issuer: ISSUER, audience: AUDIENCE } as const;
const claimsOf = (result: unknown): { sub?: unknown } => {
  const value = result as { sub?: unknown; payload?: { sub?: unknown } };
  return value.payload ?? value;
};
const floorVerifyOf = (s: Setup): Verify =>
  s.alg === 'HS256'
    ? (t) => floorVerifyHs256(t, s.verifyKey)
    : (t) => floorVerify(s.alg as AsymmetricAlg, t, s.verifyKey);
const floorSignOf = (s: Setup): ((claims: object) => string) =>
  s.alg === 'HS256'
    ? (claims) => floorSignHs256(claims, s.signKey)
    : (claims) => floorSign(s.alg as AsymmetricAlg, claims, s.signKey);

// Every peer in its fastest documented set-up (keys imported once) and checking iss and aud.
async function verifyRows(s: Setup): Promise<VerifyRow[]> {
  const { alg } = s;
  const hs = alg === 'HS256';
  const webKey = await s.webKey('verify');
  const floor = floorVerifyOf(s);
  const key = s.provider('verify');
  const plain = gate(key);
  const withStore = gate(key, { store: true });
  const cached = gate(key, { cache: true });
  const defaults = gate(key, { cache: true, store: true });
  const redis = redisAvailable() ? gate(key, { cache: true, store: benchRedisStore() }) : undefined;
  const fast = (cache: number | false, identity = false): Verify =>
    createVerifier({
      key: s.verifyText,
      algorithms: [alg],
      allowedIss: ISSUER,
      allowedAud: AUDIENCE,
      cache,
      ...(identity ? { cacheKeyBuilder: (t: string) => t } : {}),
    });
  const jwtOptions = { algorithms: [alg as jsonwebtoken.Algorithm], ...CHECKS };
  return [
    { name: 'node:crypto floor', kind: 'floor', verify: floor },
    // What returning a promise costs, as `verify` must: the floor's result handed back through one.
    { name: 'node:crypto floor, as a promise', kind: 'reference', verify: (t) => Promise.resolve(floor(t)) },
    {
      name: 'jwt-gate (defaults: cache + memory store)',
      kind: 'jwt-gate',
      cached: true,
      verify: (t) => defaults.verify(t),
    },
    ...(redis === undefined
      ? []
      : [
          {
            name: 'jwt-gate (defaults with redisStore)',
            kind: 'jwt-gate' as const,
            cached: true,
            verify: (t: string) => redis.verify(t),
          },
        ]),
    {
      name: 'jwt-gate (cache, store: false)',
      kind: 'jwt-gate',
      cached: true,
      verify: (t) => cached.verify(t),
    },
    { name: 'jwt-gate', kind: 'jwt-gate', verify: (t) => plain.verify(t) },
    { name: 'jwt-gate (default memory store)', kind: 'jwt-gate', verify: (t) => withStore.verify(t) },
    { name: 'fast-jwt', kind: 'peer', verify: fast(false) },
    { name: 'fast-jwt (cache)', kind: 'peer', cached: true, verify: fast(1000) },
    { name: 'fast-jwt (cache, identity key)', kind: 'peer', cached: true, verify: fast(1000, true) },
    ...(s.jsonwebtoken
      ? ([
          {
            name: 'jsonwebtoken (KeyObject)',
            kind: 'peer',
            verify: (t) => jsonwebtoken.verify(t, s.verifyKey, jwtOptions),
          },
          {
            name: `jsonwebtoken (${hs ? 'string secret' : 'PEM string'})`,
            kind: 'peer',
            verify: (t) => jsonwebtoken.verify(t, s.verifyText, jwtOptions),
          },
        ] satisfies VerifyRow[])
      : []),
    {
      name: 'jose (CryptoKey)',
      kind: 'peer',
      verify: (t) => jwtVerify(t, webKey, { algorithms: [alg], ...CHECKS }),
    },
  ];
}

async function settles(fn: () => unknown): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await fn() };
  } catch {
    return { ok: false };
  }
}

// A row that accepts a forged token would be timing nothing: each must verify the good one and refuse the bad one.
async function verifyGroup(s: Setup): Promise<Group> {
  const claims = payload();
  const good = floorSignOf(s)(claims);
  const forged = floorSignHs256(claims, createSecretKey(Buffer.from(`${SECRET}-other`)));
  const bad = `${good.slice(0, good.lastIndexOf('.'))}${forged.slice(forged.lastIndexOf('.'))}`;
  const cases: Case[] = [];
  for (const row of await verifyRows(s)) {
    const accepted = await settles(() => row.verify(good));
    if (!accepted.ok || claimsOf(accepted.value).sub !== claims.sub)
      throw new Error(`bench: ${row.name} refused a good ${s.alg} token`);
    if ((await settles(() => row.verify(bad))).ok)
      throw new Error(`bench: ${row.name} accepted a forged ${s.alg} token`);
    // A server parses a new string out of every request: a cache keyed by the token hashes it each time.
    const bytes = Buffer.from(good, 'latin1');
    cases.push({
      name: row.name,
      kind: row.kind,
      ...(row.cached ? { cached: true } : {}),
      fn: () => row.verify(bytes.toString('latin1')),
    });
  }
  return { title: `verify ${s.alg} (a ${good.length}-byte token)`, cases };
}

async function signGroup(s: Setup): Promise<Group> {
  const { alg } = s;
  const hs = alg === 'HS256';
  const webKey = await s.webKey('sign');
  const signer = gate(s.provider('sign'));
  const fast = createSigner({ key: s.signText, algorithm: alg });
  // jwt-gate's issue sets iat, exp, iss and aud itself, plus a random jti; the others are handed them.
  const userClaims = { sub: 'user-4242', role: 'member' };
  const sync = hs ? '' : ', sync';
  const floor = floorSignOf(s);
  const cases: Case[] = [
    { name: `node:crypto floor${hs ? '' : ' (sync)'}`, kind: 'floor', fn: () => floor(payload()) },
    ...(hs
      ? []
      : [
          {
            name: 'node:crypto (async, thread pool)',
            kind: 'reference' as const,
            fn: () => floorSignAsync(alg, payload(), s.signKey),
          },
        ]),
    {
      name: `jwt-gate${s.asyncSign ? ' (async, thread pool)' : hs ? '' : ' (sync)'}`,
      kind: 'jwt-gate',
      fn: () => signer.issue(userClaims),
    },
    { name: `fast-jwt${hs ? '' : ' (sync)'}`, kind: 'peer', fn: () => fast(payload()) },
    ...(s.jsonwebtoken
      ? [
          {
            name: `jsonwebtoken (KeyObject${sync})`,
            kind: 'peer' as const,
            fn: () => jsonwebtoken.sign(payload(), s.signKey, { algorithm: alg as jsonwebtoken.Algorithm }),
          },
        ]
      : []),
    ...(hs
      ? [
          {
            name: 'jsonwebtoken (string secret)',
            kind: 'peer' as const,
            fn: () => jsonwebtoken.sign(payload(), SECRET, { algorithm: alg }),
          },
        ]
      : []),
    {
      name: `jose (CryptoKey${hs ? '' : ', async'})`,
      kind: 'peer',
      fn: () => new SignJWT(payload()).setProtectedHeader({ alg, typ: 'JWT' }).sign(webKey),
    },
  ];
  let length = 0;
  for (const c of cases) {
    const token = await c.fn();
    const sub =
      typeof token === 'string'
        ? JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).sub
        : undefined;
    if (sub !== userClaims.sub) throw new Error(`bench: ${c.name} did not sign the claims`);
    if (c.kind === 'jwt-gate') length = (token as string).length;
  }
  return { title: `sign ${alg} (jwt-gate's token: ${length} bytes)`, cases };
}

/** Every group of the micro benchmark, each case checked before it is timed. */
export async function microGroups(): Promise<Group[]> {
  const algs: readonly Alg[] = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'];
  const groups: Group[] = [];
  for (const alg of algs) groups.push(await verifyGroup(SETUPS[alg]));
  for (const alg of algs) groups.push(await signGroup(SETUPS[alg]));
  return groups;
}
