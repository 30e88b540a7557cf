import { mkdtempSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createAuth,
  eddsa,
  es256,
  generateKeyFiles,
  hs256,
  keySet,
  ps256,
  rs256,
  type KeyProvider,
} from '../../src/index.js';
import { NOW, SECRET, b64, fixedNow, fixture, handToken } from '../helpers.js';

const privateA = fixture('test-only-rsa-2048-private.pem');
const privateB = fixture('test-only-rsa-2048-b-private.pem');
const publicB = fixture('test-only-rsa-2048-b-public.pem');
const claims = { sub: 'u1', iat: NOW, exp: NOW + 60 };
const decodeHeader = (token: string): unknown =>
  JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
const authWith = (key: KeyProvider): ReturnType<typeof createAuth> => createAuth({ key, now: fixedNow });

describe('keySet', () => {
  const old = rs256({ privateKey: privateA, kid: 'old' });
  const current = rs256({ privateKey: privateB, kid: 'new' });
  const hmac = hs256({ secret: SECRET, kid: 'hmac' });

  it('signs with the active key and writes its kid', async () => {
    const auth = authWith(keySet([old, current], { active: 'new' }));
    const token = await auth.issue({ sub: 'u1' });
    expect(decodeHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'new' });
    await expect(authWith(rs256({ publicKey: publicB })).verify(token)).resolves.toMatchObject({ sub: 'u1' });
  });

  it('verifies tokens of every key in the set, picked by exact kid', async () => {
    const oldToken = await authWith(old).issue({ sub: 'from-old' });
    const set = authWith(keySet([old, current, hmac], { active: 'new' }));
    await expect(set.verify(oldToken)).resolves.toMatchObject({ sub: 'from-old' });
    await expect(set.verify(await authWith(hmac).issue({ sub: 'from-hmac' }))).resolves.toMatchObject({
      sub: 'from-hmac',
    });
    await expect(set.issue({}, { kid: 'old' }).then(decodeHeader)).resolves.toMatchObject({ kid: 'old' });
  });

  it.each([
    ['an unknown kid', { alg: 'RS256', kid: 'other' }, 'ERR_KEY_NOT_FOUND'],
    ['kid __proto__', { alg: 'RS256', kid: '__proto__' }, 'ERR_KEY_NOT_FOUND'],
    ['kid toString', { alg: 'RS256', kid: 'toString' }, 'ERR_KEY_NOT_FOUND'],
    ['kid constructor', { alg: 'RS256', kid: 'constructor' }, 'ERR_KEY_NOT_FOUND'],
    ['a kid differing in case', { alg: 'RS256', kid: 'OLD' }, 'ERR_KEY_NOT_FOUND'],
    ['an RS256 token naming the HMAC key', { alg: 'RS256', kid: 'hmac' }, 'ERR_ALG_NOT_ALLOWED'],
    ['an HS256 token naming an RSA key', { alg: 'HS256', kid: 'old' }, 'ERR_ALG_NOT_ALLOWED'],
  ] as const)('refuses %s', async (_name, header, code) => {
    const set = authWith(keySet([old, current, hmac], { active: 'new' }));
    const token =
      header.alg === 'HS256'
        ? handToken(header, claims, { hmac: SECRET })
        : handToken(header, claims, { rsaPem: privateA });
    await expect(set.verify(token)).rejects.toMatchObject({ code });
  });

  it('checks a token without kid against the active key only, never every key', async () => {
    const set = authWith(keySet([old, current], { active: 'new' }));
    await expect(
      set.verify(handToken({ alg: 'RS256' }, claims, { rsaPem: privateB })),
    ).resolves.toMatchObject({ sub: 'u1' });
    await expect(set.verify(handToken({ alg: 'RS256' }, claims, { rsaPem: privateA }))).rejects.toMatchObject(
      { code: 'ERR_SIGNATURE_INVALID' },
    );
  });

  it('publishes every RSA public key and no secret', () => {
    const { keys } = authWith(keySet([old, current, hmac], { active: 'hmac' })).jwks();
    expect(keys.map((k) => k.kid)).toEqual(['old', 'new']);
    expect(JSON.stringify(keys)).not.toContain(b64(SECRET));
    for (const key of keys) expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(authWith(keySet([hmac], { active: 'hmac' })).jwks()).toEqual({ keys: [] });
  });

  it.each([
    [
      'duplicate kids',
      () => keySet([old, rs256({ privateKey: privateB, kid: 'old' })], { active: 'old' }),
      /duplicate kid "old"/,
    ],
    [
      'an active kid not in the set',
      () => keySet([old, current], { active: 'missing' }),
      /"active" must be one of the kids: old, new/,
    ],
    [
      'a key without kid',
      () => keySet([old, rs256({ privateKey: privateB })], { active: 'old' }),
      /needs a kid/,
    ],
    ['an empty set', () => keySet([], { active: 'x' }), /non-empty/],
    [
      'a member that holds no keys',
      () => keySet([{ algorithms: ['RS256'], verifyKey: () => undefined }], { active: 'x' }),
      /must hold their keys/,
    ],
    ['an unknown option', () => keySet([old], { active: 'old', fallback: true } as never), /"fallback"/],
  ])('refuses %s with a TypeError', (_name, make, message) => {
    expect(make).toThrow(message);
    expect(make).toThrow(TypeError);
  });

  it('a verify-only active key cannot issue', async () => {
    const set = authWith(keySet([rs256({ publicKey: publicB, kid: 'b' })], { active: 'b' }));
    await expect(set.issue({})).rejects.toThrow(/cannot sign/);
  });
});

describe('keySet.fromFiles and generateKeyFiles: rotation on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwt-gate-keydir-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const keys = join(dir, 'keys');

  it('rotates without logging anyone out: add, activate, keep the old one, retire it', async () => {
    // First start: one pair, named by its RFC 7638 thumbprint, active.
    const first = authWith(keySet.fromFiles({ dir: keys }));
    const files = readdirSync(keys).sort();
    expect(files).toHaveLength(2);
    const firstKid = files[0]!.replace('.private.pem', '');
    expect(firstKid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(keys, `${firstKid}.private.pem`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(keys, `${firstKid}.public.pem`)).mode & 0o777).toBe(0o644);
    const oldToken = await first.issue({ sub: 'before-rotation' });
    expect(decodeHeader(oldToken)).toMatchObject({ kid: firstKid });

    // 1. Add a key: with two signing keys the active one must now be named.
    expect(generateKeyFiles({ dir: keys, kid: '2026-12' })).toBe('2026-12');
    expect(() => keySet.fromFiles({ dir: keys })).toThrow(/several keys .*name the active one/);
    // 2. Make it active: new tokens carry its kid; old tokens still verify.
    const rotated = authWith(keySet.fromFiles({ dir: keys, active: '2026-12' }));
    expect(decodeHeader(await rotated.issue({}))).toMatchObject({ kid: '2026-12' });
    await expect(rotated.verify(oldToken)).resolves.toMatchObject({ sub: 'before-rotation' });
    expect(
      rotated
        .jwks()
        .keys.map((k) => k.kid)
        .sort(),
    ).toEqual(['2026-12', firstKid].sort());

    // 3. Retire the old private key: its tokens still verify until removed, it can no longer sign.
    unlinkSync(join(keys, `${firstKid}.private.pem`));
    const retiring = authWith(keySet.fromFiles({ dir: keys }));
    await expect(retiring.verify(oldToken)).resolves.toMatchObject({ sub: 'before-rotation' });
    await expect(retiring.issue({}, { kid: firstKid })).rejects.toThrow(/no signing key with kid/);

    // 4. Remove it: its tokens are refused.
    unlinkSync(join(keys, `${firstKid}.public.pem`));
    await expect(authWith(keySet.fromFiles({ dir: keys })).verify(oldToken)).rejects.toMatchObject({
      code: 'ERR_KEY_NOT_FOUND',
    });
  });

  it('never overwrites a key file and refuses kids unfit for file names', () => {
    expect(() => generateKeyFiles({ dir: keys, kid: '2026-12' })).toThrow(/EEXIST/);
    expect(() => generateKeyFiles({ dir: keys, kid: '../escape' })).toThrow(TypeError);
    expect(() => generateKeyFiles({ dir: keys, kid: '.hidden' })).toThrow(TypeError);
  });

  it('ignores files that are not keys, and refuses a key file that does not parse', () => {
    const odd = join(dir, 'odd');
    generateKeyFiles({ dir: odd, kid: 'k1' });
    writeFileSync(join(odd, 'README.txt'), 'not a key');
    writeFileSync(join(odd, 'private.pem'), 'not a key either');
    expect(
      authWith(keySet.fromFiles({ dir: odd }))
        .jwks()
        .keys.map((k) => k.kid),
    ).toEqual(['k1']);
    writeFileSync(join(odd, 'k2.public.pem'), 'garbage');
    expect(() => keySet.fromFiles({ dir: odd, active: 'k1' })).toThrow(TypeError);
  });
});

describe('keySet mixing every algorithm', () => {
  const members = [
    hs256({ secret: SECRET, kid: 'hs' }),
    rs256({ privateKey: privateA, kid: 'rs' }),
    ps256({ privateKey: fixture('test-only-rsa-pss-2048-private.pem'), kid: 'ps' }),
    es256({ privateKey: fixture('test-only-ec-p256-private.pem'), kid: 'es' }),
    eddsa({ privateKey: fixture('test-only-ed25519-private.pem'), kid: 'ed' }),
  ];
  const set = keySet(members, { active: 'es' });

  it('lists every algorithm, both Ed25519 names included, and publishes every public key', () => {
    expect([...set.algorithms].sort()).toEqual(['ES256', 'Ed25519', 'EdDSA', 'HS256', 'PS256', 'RS256']);
    expect(
      authWith(set)
        .jwks()
        .keys.map((k) => [k.kid, k.kty, k.alg]),
    ).toEqual([
      ['rs', 'RSA', 'RS256'],
      ['ps', 'RSA', 'PS256'],
      ['es', 'EC', 'ES256'],
      ['ed', 'OKP', 'EdDSA'],
    ]);
  });

  it.each(['hs', 'rs', 'ps', 'es', 'ed'])(
    'signs with kid %s under its own algorithm, and verifies it',
    async (kid) => {
      const auth = authWith(set);
      const token = await auth.issue({ sub: kid }, { kid });
      const alg = { hs: 'HS256', rs: 'RS256', ps: 'PS256', es: 'ES256', ed: 'EdDSA' }[kid];
      expect(decodeHeader(token)).toEqual({ alg, typ: 'JWT', kid });
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: kid });
    },
  );

  it.each([
    ['an ES256 token naming the RSA key', 'ES256', 'rs'],
    ['a PS256 token naming the RS256 key', 'PS256', 'rs'],
    ['an RS256 token naming the PS256 key', 'RS256', 'ps'],
    ['an EdDSA token naming the EC key', 'EdDSA', 'es'],
    ['an ES256 token naming the Ed25519 key', 'ES256', 'ed'],
    ['an HS256 token naming the EC key', 'HS256', 'es'],
  ])('refuses %s before any crypto: ERR_ALG_NOT_ALLOWED', async (_name, alg, kid) => {
    const token = `${b64({ alg, kid })}.${b64(claims)}.${b64('x'.repeat(64))}`;
    await expect(authWith(set).verify(token)).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
  });

  it('keySet.fromFiles takes each pair for the algorithm its key type says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-gate-mixed-'));
    try {
      for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const)
        generateKeyFiles({ dir, kid: alg.toLowerCase(), alg });
      const auth = authWith(keySet.fromFiles({ dir, active: 'es256' }));
      expect(auth.jwks().keys.map((k) => [k.kid, k.alg])).toEqual([
        ['eddsa', 'EdDSA'],
        ['es256', 'ES256'],
        ['ps256', 'PS256'],
        ['rs256', 'RS256'],
      ]);
      for (const kid of ['rs256', 'ps256', 'es256', 'eddsa']) {
        const token = await auth.issue({ sub: kid }, { kid });
        await expect(auth.verify(token)).resolves.toMatchObject({ sub: kid });
      }
      // A PS256 pair is an RSA-PSS key: rs256 cannot take it, and it says so.
      expect(() => rs256({ privateKey: fixture('test-only-rsa-pss-2048-private.pem') })).toThrow(
        /not rsa-pss/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('generateKeyFiles refuses an algorithm it cannot generate', () => {
    expect(() => generateKeyFiles({ dir: tmpdir(), alg: 'HS256' as never })).toThrow(
      /"alg" must be "RS256", "PS256", "ES256" or "EdDSA"/,
    );
  });
});
