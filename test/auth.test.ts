import { describe, expect, it, vi } from 'vitest';
import { createAuth, hs256, rs256, type Claims } from '../src/index.js';
import { NOW, SECRET, fixedNow } from './helpers.js';
import { AUDIENCE, ISSUER, hsOptions, rsaPrivatePem, rsaPublicPem, validHsToken } from './hostile-tokens.js';

const decodePart = (token: string, index: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('issue', () => {
  const auth = createAuth({ ...hsOptions, expiresIn: '15m' });

  it('adds iat, exp, iss, aud and a random jti, and the token verifies', async () => {
    const token = await auth.issue({ sub: 'u1', role: 'admin' });
    const payload = decodePart(token, 1);
    expect(payload).toEqual({
      sub: 'u1',
      role: 'admin',
      iss: ISSUER,
      aud: AUDIENCE,
      iat: NOW,
      exp: NOW + 900,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
    expect(decodePart(token, 0)).toEqual({ alg: 'HS256', typ: 'JWT' });
    await expect(auth.verify(token)).resolves.toEqual(payload);
    const again = decodePart(await auth.issue({ sub: 'u1' }), 1);
    expect(again.jti).not.toBe(payload.jti);
  });

  it('applies overrides', async () => {
    const token = await auth.issue(
      { role: 'x' },
      { expiresIn: 60, subject: 's', audience: ['a', 'b'], notBefore: '30s', jwtid: 'id-1' },
    );
    expect(decodePart(token, 1)).toMatchObject({
      sub: 's',
      aud: ['a', 'b'],
      nbf: NOW + 30,
      exp: NOW + 60,
      jti: 'id-1',
    });
  });

  it('uses the default lifetime of one hour', async () => {
    const token = await createAuth({ key: hs256(SECRET), now: fixedNow }).issue({});
    expect(decodePart(token, 1)).toMatchObject({ iat: NOW, exp: NOW + 3600 });
  });

  it('writes the kid of the signing key and the configured typ', async () => {
    const kidAuth = createAuth({ key: hs256({ secret: SECRET, kid: 'k1' }), typ: 'at+jwt', now: fixedNow });
    const token = await kidAuth.issue({ sub: 'a' });
    expect(decodePart(token, 0)).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' });
    await expect(kidAuth.verify(token)).resolves.toMatchObject({ sub: 'a' });
    await expect(kidAuth.issue({}, { kid: 'k2' })).rejects.toThrow(/no signing key with kid "k2"/);
  });

  // Each message names where the claim comes from: `iss` has no override, so "use the overrides" would mislead.
  it.each([
    ['iat', 'jwt-gate: claim "iat" is the time of issue, read from the "now" option\'s clock'],
    ['exp', 'jwt-gate: claim "exp" is set from the "expiresIn" option or override'],
    ['nbf', 'jwt-gate: claim "nbf" is set from the "notBefore" override'],
    ['jti', 'jwt-gate: claim "jti" is set from the "jwtid" override (random by default)'],
    ['iss', 'jwt-gate: claim "iss" is set from the "issuer" option (the issue overrides have none)'],
    ['aud', 'jwt-gate: claim "aud" is set from the "audience" option or override'],
  ])('refuses a caller-set %s, naming the option or override it comes from', async (claim, message) => {
    const err: unknown = await auth.issue({ [claim]: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect((err as TypeError).message).toBe(message);
  });

  it('refuses a sub that contradicts the subject option, and non-object claims', async () => {
    await expect(createAuth({ ...hsOptions, subject: 'a' }).issue({ sub: 'b' })).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(auth.issue(null as never)).rejects.toBeInstanceOf(TypeError);
    await expect(auth.issue([] as never)).rejects.toBeInstanceOf(TypeError);
    await expect(auth.issue({}, { expiresin: 5 } as never)).rejects.toThrow(/"expiresin"/);
    await expect(auth.issue({}, { expiresIn: '5 minutes' as never })).rejects.toThrow(/expiresIn/);
  });

  it('cannot issue with a verify-only provider', async () => {
    const verifier = createAuth({ key: rs256({ publicKey: rsaPublicPem }) });
    await expect(verifier.issue({ sub: 'a' })).rejects.toThrow(/cannot sign/);
  });

  it('signs RS256 without blocking, and the token verifies with the public key alone', async () => {
    const signer = createAuth({ key: rs256({ privateKey: rsaPrivatePem }), issuer: ISSUER, now: fixedNow });
    const verifier = createAuth({ key: rs256({ publicKey: rsaPublicPem }), issuer: ISSUER, now: fixedNow });
    const tokens = await Promise.all([signer.issue({ sub: 'a' }), signer.issue({ sub: 'b' })]);
    expect(decodePart(tokens[0], 0)).toEqual({ alg: 'RS256', typ: 'JWT' });
    await expect(verifier.verify(tokens[1])).resolves.toMatchObject({ sub: 'b', iss: ISSUER });
  });
});

describe('the payload issue signs, byte for byte', () => {
  it('keeps the caller’s claims first, then sub, iss, aud, iat, nbf, exp, jti', async () => {
    const auth = createAuth({
      key: hs256(SECRET),
      now: fixedNow,
      issuer: 'https://id.example',
      audience: ['a', 'b'],
      subject: 'user-1',
    });
    const token = await auth.issue({ role: 'admin', sub: 'user-1', n: 1 }, { jwtid: 'id-1', notBefore: 10 });
    expect(Buffer.from(token.split('.')[1]!, 'base64url').toString()).toBe(
      `{"role":"admin","sub":"user-1","n":1,"iss":"https://id.example","aud":["a","b"],"iat":${NOW},"nbf":${NOW + 10},"exp":${NOW + 3600},"jti":"id-1"}`,
    );
    const plain = await createAuth({ key: hs256(SECRET), now: fixedNow }).issue(
      { role: 'x' },
      { jwtid: 'id-2' },
    );
    expect(Buffer.from(plain.split('.')[1]!, 'base64url').toString()).toBe(
      `{"role":"x","iat":${NOW},"exp":${NOW + 3600},"jti":"id-2"}`,
    );
  });
});

describe('authenticate', () => {
  const auth = createAuth(hsOptions);
  const bearer = (value: string): { headers: Record<string, string> } => ({
    headers: { authorization: value },
  });

  it('returns null when the request carries no token', async () => {
    await expect(auth.authenticate({ headers: {} })).resolves.toBeNull();
    await expect(auth.authenticate({ headers: { cookie: 'other=1; jwt=' } })).resolves.toBeNull();
    await expect(auth.authenticate(bearer('Basic dXNlcjpwYXNz'))).resolves.toBeNull();
  });

  it.each(['Bearer', 'bearer', 'BEARER', 'BeArEr'])(
    'reads the %s scheme (case-insensitive, RFC 7235 §2.1)',
    async (scheme) => {
      await expect(auth.authenticate(bearer(`${scheme} ${validHsToken}`))).resolves.toMatchObject({
        token: validHsToken,
        user: { sub: 'user-1' },
      });
    },
  );

  it('reads the session cookie among others', async () => {
    const result = await auth.authenticate({
      headers: { cookie: `theme=dark; jwt=${validHsToken}; lang=en` },
    });
    expect(result?.claims.sub).toBe('user-1');
  });

  it('prefers the header to the cookie', async () => {
    await expect(
      auth.authenticate({ headers: { authorization: `Bearer ${validHsToken}`, cookie: 'jwt=garbage' } }),
    ).resolves.toMatchObject({ token: validHsToken });
    await expect(
      auth.authenticate({ headers: { authorization: 'Bearer garbage', cookie: `jwt=${validHsToken}` } }),
    ).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
  });

  it.each([
    ['Bearer with nothing after it', 'Bearer'],
    ['Bearer and spaces', 'Bearer    '],
    ['two credentials', `Bearer ${validHsToken} ${validHsToken}`],
    ['comma-joined credentials', `Bearer ${validHsToken},${validHsToken}`],
  ])('%s is a 400 invalid_request', async (_name, value) => {
    await expect(auth.authenticate(bearer(value))).rejects.toMatchObject({
      code: 'ERR_BAD_REQUEST',
      status: 400,
      error: 'invalid_request',
    });
  });

  it('refuses two Authorization headers', async () => {
    await expect(
      auth.authenticate({ headers: { authorization: [`Bearer ${validHsToken}`, `Bearer ${validHsToken}`] } }),
    ).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
  });

  it('a bad cookie is a bad token', async () => {
    await expect(auth.authenticate({ headers: { cookie: 'jwt=a.b.c' } })).rejects.toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
    });
  });

  it('bearer: false ignores the header; cookie: false ignores the cookie', async () => {
    const cookieOnly = createAuth({ ...hsOptions, bearer: false });
    await expect(cookieOnly.authenticate(bearer(`Bearer ${validHsToken}`))).resolves.toBeNull();
    const headerOnly = createAuth({ ...hsOptions, cookie: false });
    await expect(headerOnly.authenticate({ headers: { cookie: `jwt=${validHsToken}` } })).resolves.toBeNull();
    expect(headerOnly.cookieName).toBeUndefined();
  });

  it('reads a renamed cookie', async () => {
    const named = createAuth({ ...hsOptions, cookie: { name: 'sid' } });
    await expect(
      named.authenticate({ headers: { cookie: `jwt=x; sid=${validHsToken}` } }),
    ).resolves.toMatchObject({ token: validHsToken });
  });

  it('getToken replaces the built-in extraction', async () => {
    const getToken = vi.fn(
      (req: { headers: Record<string, unknown> }) => req.headers['x-token'] as string | undefined,
    );
    const custom = createAuth({ ...hsOptions, getToken });
    await expect(custom.authenticate({ headers: { 'x-token': validHsToken } })).resolves.toMatchObject({
      token: validHsToken,
    });
    await expect(custom.authenticate(bearer(`Bearer ${validHsToken}`))).resolves.toBeNull();
    expect(getToken).toHaveBeenCalledTimes(2);
  });

  it('maps claims to the user, typed by the mapper', async () => {
    const mapped = createAuth({ ...hsOptions, user: async (claims: Claims) => ({ id: claims.sub ?? '' }) });
    const result = await mapped.authenticate(bearer(`Bearer ${validHsToken}`));
    expect(result?.user).toEqual({ id: 'user-1' });
    expect(result?.claims.sub).toBe('user-1');
  });

  it('a failing user mapper is passed on unchanged', async () => {
    const failure = new Error('db down');
    const mapped = createAuth({ ...hsOptions, user: () => Promise.reject(failure) });
    await expect(mapped.authenticate(bearer(`Bearer ${validHsToken}`))).rejects.toBe(failure);
  });
});

describe('session cookies', () => {
  const auth = createAuth(hsOptions);

  it('lives as long as the token, HttpOnly, SameSite=Lax, Path=/, Secure by default', async () => {
    const token = await auth.issue({ sub: 'a' });
    expect(auth.sessionCookie(token)).toBe(
      `jwt=${token}; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Lax`,
    );
  });

  it('drops Secure for a plain-HTTP request outside production only', async () => {
    const token = await auth.issue({ sub: 'a' });
    expect(auth.sessionCookie(token, { secure: false })).not.toContain('Secure');
    expect(auth.sessionCookie(token, { secure: true })).toContain('; Secure');
    vi.stubEnv('NODE_ENV', 'production');
    try {
      expect(createAuth(hsOptions).sessionCookie(token, { secure: false })).toContain('; Secure');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('clears the cookie with the same name, path and domain', () => {
    const named = createAuth({
      ...hsOptions,
      cookie: { name: 'sid', domain: 'example.test', path: '/app', sameSite: 'strict' },
    });
    expect(named.clearCookie({ secure: false })).toBe(
      'sid=; Max-Age=0; Domain=example.test; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict',
    );
  });

  it('follows cookie options', async () => {
    const fixed = createAuth({ ...hsOptions, cookie: { maxAge: 60, secure: false } });
    const token = await fixed.issue({});
    expect(fixed.sessionCookie(token, { secure: true })).toBe(
      `jwt=${token}; Max-Age=60; Path=/; HttpOnly; SameSite=Lax`,
    );
    const readable = createAuth({
      ...hsOptions,
      cookie: { httpOnly: false, sameSite: 'strict', secure: true },
    });
    expect(readable.sessionCookie(token, { secure: false })).toBe(
      `jwt=${token}; Max-Age=3600; Path=/; Secure; SameSite=Strict`,
    );
  });

  it('refuses cookie set-ups browsers would drop, at createAuth', () => {
    expect(() => createAuth({ ...hsOptions, cookie: { sameSite: 'none', secure: false } })).toThrow(
      TypeError,
    );
    expect(() => createAuth({ ...hsOptions, cookie: { name: '__Host-jwt', domain: 'a.test' } })).toThrow(
      TypeError,
    );
    expect(() => createAuth({ ...hsOptions, cookie: { name: '__Secure-jwt', secure: false } })).toThrow(
      TypeError,
    );
    expect(() => createAuth({ ...hsOptions, cookie: { name: 'bad name' } })).toThrow(TypeError);
    expect(() => createAuth({ ...hsOptions, cookie: { name: 'x', secret: 1 } as never })).toThrow(/"secret"/);
  });

  it('forces Secure where the browser demands it', async () => {
    const none = createAuth({ ...hsOptions, cookie: { sameSite: 'none' } });
    const token = await none.issue({});
    expect(none.sessionCookie(token, { secure: false })).toContain('; Secure; SameSite=None');
    const host = createAuth({ ...hsOptions, cookie: { name: '__Host-jwt' } });
    expect(host.clearCookie({ secure: false })).toContain('; Secure');
  });

  it('cookie: false makes the cookie helpers a programming error', () => {
    const headerOnly = createAuth({ ...hsOptions, cookie: false });
    expect(() => headerOnly.clearCookie()).toThrow(/cookies are turned off/);
  });
});

describe('createAuth options', () => {
  it.each([
    ['an unknown key, named', { expiresin: '1h' }, /unknown createAuth option "expiresin"/],
    ['a missing key provider', { key: undefined }, /"key"/],
    ['a secret string as key', { key: SECRET }, /"key"/],
    ['a bad expiresIn', { expiresIn: '1 hour' }, /"expiresIn"/],
    ['a zero expiresIn', { expiresIn: 0 }, /"expiresIn"/],
    ['a negative clockTolerance', { clockTolerance: -1 }, /"clockTolerance"/],
    ['a string clockTolerance', { clockTolerance: '5' }, /"clockTolerance"/],
    ['a bad maxTokenAge', { maxTokenAge: '5y' }, /"maxTokenAge"/],
    ['an empty issuer', { issuer: '' }, /"issuer"/],
    ['an audience list with a number', { audience: ['a', 1] }, /"audience"/],
    ['requiredClaims as a string of names', { requiredClaims: 42 }, /"requiredClaims"/],
    ['a non-boolean bearer', { bearer: 'yes' }, /"bearer"/],
    ['a non-function user', { user: {} }, /"user"/],
    ['a realm with a quote', { realm: 'a"b' }, /"realm"/],
    ['a realm with a line break', { realm: 'a\r\nSet-Cookie: x=1' }, /"realm"/],
    ['a tiny maxTokenBytes', { maxTokenBytes: 1 }, /"maxTokenBytes"/],
    ['cache: true', { cache: true }, /"cache"/],
    ['a cache with max 0', { cache: { max: 0 } }, /"cache.max"/],
    [
      'a cache with a fractional maxTokenLength',
      { cache: { max: 10, maxTokenLength: 1.5 } },
      /"cache.maxTokenLength"/,
    ],
    ['a cache option misspelt', { cache: { size: 10 } }, /unknown cache option "size"/],
  ])('throws a TypeError for %s', (_name, change, message) => {
    expect(() => createAuth({ ...hsOptions, ...change } as never)).toThrow(message);
    expect(() => createAuth({ ...hsOptions, ...change } as never)).toThrow(TypeError);
  });

  it('throws for a missing options object', () => {
    expect(() => createAuth(undefined as never)).toThrow(TypeError);
  });

  it('reads options once: later changes to the object do nothing', async () => {
    const options = { ...hsOptions, issuer: ISSUER };
    const auth = createAuth(options);
    options.issuer = 'https://changed.test';
    await expect(auth.verify(validHsToken)).resolves.toMatchObject({ iss: ISSUER });
    expect(Object.isFrozen(auth)).toBe(true);
  });

  it('publishes the RSA public key and nothing for a secret', () => {
    expect(createAuth(hsOptions).jwks()).toEqual({ keys: [] });
    const { keys } = createAuth({ key: rs256({ privateKey: rsaPrivatePem, kid: 'k1' }) }).jwks();
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });
});

describe('issue refuses tokens its own verify would refuse', () => {
  const auth = createAuth({ ...hsOptions, maxTokenBytes: 512 });
  it.each([
    ['an expiresIn override of 0', {}, { expiresIn: 0 }, /never be valid/],
    ['a notBefore at or after exp', {}, { expiresIn: 60, notBefore: 60 }, /never be valid/],
    ['a numeric sub', { sub: 42 }, {}, /"sub" must be a string/],
    ['a numeric jwtid', {}, { jwtid: 7 }, /"jwtid" must be a string/],
    ['a token over maxTokenBytes', { blob: 'x'.repeat(600) }, {}, /over maxTokenBytes/],
  ])('%s', async (_name, claims, overrides, message) => {
    await expect(auth.issue(claims as never, overrides as never)).rejects.toThrow(message);
  });
});

describe('the default clock', () => {
  // An app made once at start-up, and tests that fake the time afterwards (vi, jest, sinon): as jsonwebtoken
  // and passport-jwt read Date.now, so does an Auth made before the clock was faked.
  it('reads Date.now at each call: fake timers installed after createAuth are followed', async () => {
    const auth = createAuth({ key: hs256(SECRET), cache: false });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.UTC(2026, 0, 1));
      const token = await auth.issue({ sub: 'u1' }, { expiresIn: 60 });
      expect(decodePart(token, 1).iat).toBe(Date.UTC(2026, 0, 1) / 1000);
      vi.setSystemTime(Date.UTC(2026, 0, 1, 0, 2));
      await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
    } finally {
      vi.useRealTimers();
    }
  });
});
