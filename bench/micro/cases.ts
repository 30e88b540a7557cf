import { createSecretKey, webcrypto } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { SignJWT, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { hs256, rs256 } from 'jwt-gate';
import { AUDIENCE, ISSUER, PRIVATE_PEM, PUBLIC_PEM, SECRET, keys, payload } from '../fixtures.js';
import { floorSignHs256, floorSignRs256, floorVerifyHs256, floorVerifyRs256 } from '../floor.js';
import { gate } from '../gate.js';
import { benchRedisStore, redisAvailable } from '../redis.js';

/** Who a row measures: the node:crypto floor, this library, or a peer it is compared with. */
export type Kind = 'floor' | 'jwt-gate' | 'peer';

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

const subtle = webcrypto.subtle;
const CHECKS = { issuer: ISSUER, audience: AUDIENCE } as const;
const claimsOf = (result: unknown): { sub?: unknown } => {
  const value = result as { sub?: unknown; payload?: { sub?: unknown } };
  return value.payload ?? value;
};

// Every peer in its fastest documented set-up (keys imported once) and checking iss and aud.
async function verifyRows(alg: 'HS256' | 'RS256'): Promise<VerifyRow[]> {
  const hs = alg === 'HS256';
  const webKey = hs
    ? await subtle.importKey('raw', Buffer.from(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    : await subtle.importKey('spki', keys.publicKey.export({ type: 'spki', format: 'der' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
  const keyObject = hs ? keys.secret : keys.publicKey;
  const keyText = hs ? SECRET : PUBLIC_PEM;
  const key = hs ? hs256(keys.secret) : rs256({ publicKey: keys.publicKey });
  const plain = gate(key);
  const withStore = gate(key, { store: true });
  const cached = gate(key, { cache: true });
  const defaults = gate(key, { cache: true, store: true });
  const redis = redisAvailable() ? gate(key, { cache: true, store: benchRedisStore() }) : undefined;
  const fast = (cache: number | false, identity = false): Verify =>
    createVerifier({ key: keyText, algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE, cache, ...(identity ? { cacheKeyBuilder: (t: string) => t } : {}) });
  const jwtOptions = { algorithms: [alg], ...CHECKS };
  const rows: VerifyRow[] = [
    { name: 'node:crypto floor', kind: 'floor', verify: (t) => (hs ? floorVerifyHs256(t, keys.secret) : floorVerifyRs256(t, keys.publicKey)) },
    { name: 'jwt-gate (defaults: cache + memory store)', kind: 'jwt-gate', cached: true, verify: (t) => defaults.verify(t) },
    ...(redis === undefined ? [] : [{ name: 'jwt-gate (defaults with redisStore)', kind: 'jwt-gate' as const, cached: true, verify: (t: string) => redis.verify(t) }]),
    { name: 'jwt-gate (cache, store: false)', kind: 'jwt-gate', cached: true, verify: (t) => cached.verify(t) },
    { name: 'jwt-gate', kind: 'jwt-gate', verify: (t) => plain.verify(t) },
    { name: 'jwt-gate (default memory store)', kind: 'jwt-gate', verify: (t) => withStore.verify(t) },
    { name: 'fast-jwt', kind: 'peer', verify: fast(false) },
    { name: 'fast-jwt (cache)', kind: 'peer', cached: true, verify: fast(1000) },
    { name: 'fast-jwt (cache, identity key)', kind: 'peer', cached: true, verify: fast(1000, true) },
    { name: 'jsonwebtoken (KeyObject)', kind: 'peer', verify: (t) => jsonwebtoken.verify(t, keyObject, jwtOptions) },
    { name: `jsonwebtoken (${hs ? 'string secret' : 'PEM string'})`, kind: 'peer', verify: (t) => jsonwebtoken.verify(t, keyText, jwtOptions) },
    { name: 'jose (CryptoKey)', kind: 'peer', verify: (t) => jwtVerify(t, webKey, jwtOptions) },
  ];
  return rows;
}

async function settles(fn: () => unknown): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await fn() };
  } catch {
    return { ok: false };
  }
}

// A row that accepts a forged token would be timing nothing: each must verify the good one and refuse the bad one.
async function verifyGroup(alg: 'HS256' | 'RS256'): Promise<Group> {
  const claims = payload();
  const good = alg === 'HS256' ? floorSignHs256(claims, keys.secret) : floorSignRs256(claims, keys.privateKey);
  const forged = floorSignHs256(claims, createSecretKey(Buffer.from(`${SECRET}-other`)));
  const bad = `${good.slice(0, good.lastIndexOf('.'))}${forged.slice(forged.lastIndexOf('.'))}`;
  const cases: Case[] = [];
  for (const row of await verifyRows(alg)) {
    const accepted = await settles(() => row.verify(good));
    if (!accepted.ok || claimsOf(accepted.value).sub !== claims.sub) throw new Error(`bench: ${row.name} refused a good ${alg} token`);
    if ((await settles(() => row.verify(bad))).ok) throw new Error(`bench: ${row.name} accepted a forged ${alg} token`);
    // A server parses a new string out of every request: a cache keyed by the token hashes it each time.
    const bytes = Buffer.from(good, 'latin1');
    cases.push({ name: row.name, kind: row.kind, ...(row.cached ? { cached: true } : {}), fn: () => row.verify(bytes.toString('latin1')) });
  }
  return { title: `verify ${alg}`, cases };
}

async function signGroup(alg: 'HS256' | 'RS256'): Promise<Group> {
  const hs = alg === 'HS256';
  const webKey = hs
    ? await subtle.importKey('raw', Buffer.from(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    : await subtle.importKey('pkcs8', keys.privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  const keyObject = hs ? keys.secret : keys.privateKey;
  const signer = gate(hs ? hs256(keys.secret) : rs256({ privateKey: keys.privateKey }));
  const fast = createSigner({ key: hs ? SECRET : PRIVATE_PEM, algorithm: alg });
  // jwt-gate's issue sets iat, exp, iss and aud itself, plus a random jti; the others are handed them.
  const userClaims = { sub: 'user-4242', role: 'member' };
  const sync = hs ? '' : ', sync';
  const cases: Case[] = [
    { name: `node:crypto floor${hs ? '' : ' (sync)'}`, kind: 'floor', fn: () => (hs ? floorSignHs256(payload(), keys.secret) : floorSignRs256(payload(), keys.privateKey)) },
    { name: `jwt-gate${hs ? '' : ' (async, thread pool)'}`, kind: 'jwt-gate', fn: () => signer.issue(userClaims) },
    { name: `fast-jwt${hs ? '' : ' (sync)'}`, kind: 'peer', fn: () => fast(payload()) },
    { name: `jsonwebtoken (KeyObject${sync})`, kind: 'peer', fn: () => jsonwebtoken.sign(payload(), keyObject, { algorithm: alg }) },
    ...(hs ? [{ name: 'jsonwebtoken (string secret)', kind: 'peer' as const, fn: () => jsonwebtoken.sign(payload(), SECRET, { algorithm: alg }) }] : []),
    { name: `jose (CryptoKey${hs ? '' : ', async'})`, kind: 'peer', fn: () => new SignJWT(payload()).setProtectedHeader({ alg, typ: 'JWT' }).sign(webKey) },
  ];
  for (const c of cases) {
    const token = await c.fn();
    const sub = typeof token === 'string' ? JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).sub : undefined;
    if (sub !== userClaims.sub) throw new Error(`bench: ${c.name} did not sign the claims`);
  }
  return { title: `sign ${alg}`, cases };
}

/** Every group of the micro benchmark, each case checked before it is timed. */
export async function microGroups(): Promise<Group[]> {
  return [await verifyGroup('HS256'), await verifyGroup('RS256'), await signGroup('HS256'), await signGroup('RS256')];
}
