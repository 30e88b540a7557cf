import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuth, type AuthError } from '../src/index.js';
import { NOW, SECRET, refusal } from './helpers.js';
import {
  AUDIENCE,
  MARKER,
  claimsWith,
  hostileHsCases,
  hostileRsCases,
  hsOptions,
  rsOptions,
  rsaPrivatePem,
  signHs,
  validClaims,
  validHsToken,
  validRsToken,
  type HostileCase,
} from './hostile-tokens.js';

/** Nothing an error carries may repeat the token, a segment of it, the payload or the key. */
function expectNoEcho(err: AuthError, token: string): void {
  const carried = [
    err.message,
    String(err.stack),
    JSON.stringify(err.headers),
    JSON.stringify(err),
    String(err.cause ?? ''),
  ].join('\n');
  for (const secretPart of [
    ...token.split('.').filter((s) => s.length > 8),
    MARKER,
    SECRET,
    rsaPrivatePem.split('\n')[1]!,
  ]) {
    expect(carried).not.toContain(secretPart);
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each([
  ['HS256', hsOptions, hostileHsCases, validHsToken],
  ['RS256', rsOptions, hostileRsCases, validRsToken],
] as const)('%s hostile tokens', (_alg, options, cases, validToken) => {
  const auth = createAuth(options);

  it('the valid token of the table verifies (so each row fails for its own reason)', async () => {
    await expect(auth.verify(validToken)).resolves.toEqual(validClaims);
  });

  it.each(cases().map((c): [string, HostileCase] => [c.name, c]))('%s', async (_name, { token, code }) => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const err = await refusal(auth.verify(token));
    expect(err.code).toBe(code);
    expect(err.status).toBe(401);
    expect(err.statusCode).toBe(401);
    expect(err.error).toBe('invalid_token');
    expect(err.headers['WWW-Authenticate']).toMatch(
      /^Bearer realm="api", error="invalid_token", error_description="[a-z ]+"$/,
    );
    expectNoEcho(err, token);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('verify accepts', () => {
  const auth = createAuth(hsOptions);

  it.each([
    ['typ absent', { alg: 'HS256' }],
    ['typ "jwt" in lower case', { alg: 'HS256', typ: 'jwt' }],
    ['typ "application/jwt" (RFC 7515 §4.1.9)', { alg: 'HS256', typ: 'application/jwt' }],
    ['typ "Application/JWT"', { alg: 'HS256', typ: 'Application/JWT' }],
    [
      'jku, x5u, jwk and x5c members, ignored',
      { alg: 'HS256', jku: 'http://127.0.0.1:9/', x5u: 'http://127.0.0.1:9/', jwk: {}, x5c: [] },
    ],
    ['an unknown header member', { alg: 'HS256', zzz: 1 }],
  ])('%s', async (_name, header) => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    await expect(auth.verify(signHs(validClaims, header))).resolves.toMatchObject({ sub: 'user-1' });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it.each([
    ['exp one second ahead', { exp: NOW + 1 }],
    ['nbf equal to now', { nbf: NOW }],
    ['iat equal to now', { iat: NOW }],
    ['iat absent', { iat: undefined }],
    ['aud array containing ours', { aud: ['other', AUDIENCE] }],
    ['a fractional exp', { exp: NOW + 0.5 }],
  ])('%s', async (_name, change) => {
    await expect(auth.verify(signHs(claimsWith(change)))).resolves.toMatchObject({ sub: 'user-1' });
  });
});

describe('claim options', () => {
  const verifyWith = (options: object, change: Record<string, unknown>): Promise<unknown> =>
    createAuth({ ...hsOptions, ...options }).verify(signHs(claimsWith(change)));

  it.each([
    ['clockTolerance forgives exp within it', { clockTolerance: 10 }, { exp: NOW - 9 }, null],
    [
      'clockTolerance: exp at now minus tolerance is expired',
      { clockTolerance: 10 },
      { exp: NOW - 10 },
      'ERR_TOKEN_EXPIRED',
    ],
    ['clockTolerance forgives nbf within it', { clockTolerance: 10 }, { nbf: NOW + 10 }, null],
    ['clockTolerance: nbf beyond it', { clockTolerance: 10 }, { nbf: NOW + 11 }, 'ERR_TOKEN_NOT_YET_VALID'],
    ['clockTolerance forgives iat within it', { clockTolerance: 10 }, { iat: NOW + 10 }, null],
    ['clockTolerance: iat beyond it', { clockTolerance: 10 }, { iat: NOW + 11 }, 'ERR_CLAIM_INVALID'],
    ['maxTokenAge: a young token', { maxTokenAge: '30m' }, { iat: NOW - 1800 }, null],
    [
      'maxTokenAge: an old token with a far exp',
      { maxTokenAge: '30m' },
      { iat: NOW - 1801, exp: NOW + 86400 },
      'ERR_TOKEN_EXPIRED',
    ],
    ['maxTokenAge: no iat', { maxTokenAge: '30m' }, { iat: undefined }, 'ERR_CLAIM_INVALID'],
    ['requiredClaims: present', { requiredClaims: ['marker'] }, {}, null],
    ['requiredClaims: missing', { requiredClaims: ['role'] }, {}, 'ERR_CLAIM_INVALID'],
    [
      'requiredClaims: inherited names do not count',
      { requiredClaims: ['toString'] },
      {},
      'ERR_CLAIM_INVALID',
    ],
    ['requireExp false: no exp', { requireExp: false }, { exp: undefined }, null],
    [
      'requireExp false: a past exp still expires',
      { requireExp: false },
      { exp: NOW - 1 },
      'ERR_TOKEN_EXPIRED',
    ],
    ['subject: matching', { subject: 'user-1' }, {}, null],
    ['subject: another', { subject: 'user-2' }, {}, 'ERR_CLAIM_INVALID'],
    ['audience list: one of them', { audience: ['x', AUDIENCE] }, {}, null],
    ['typ option "at+jwt": JWT refused', { typ: 'at+jwt' }, {}, 'ERR_CLAIM_INVALID'],
  ] as const)('%s', async (_name, options, change, code) => {
    const outcome = verifyWith(options, change);
    if (code === null) await expect(outcome).resolves.toMatchObject({ sub: 'user-1' });
    else await expect(outcome).rejects.toMatchObject({ code });
  });

  it('names the failing claim', async () => {
    await expect(verifyWith({}, { aud: 'other' })).rejects.toMatchObject({
      code: 'ERR_CLAIM_INVALID',
      claim: 'aud',
    });
    await expect(verifyWith({ requiredClaims: ['role'] }, {})).rejects.toMatchObject({ claim: 'role' });
    await expect(verifyWith({}, { exp: undefined })).rejects.toMatchObject({ claim: 'exp' });
  });
});

describe('payload members named __proto__, constructor, prototype are plain data', () => {
  const auth = createAuth(hsOptions);
  const body = (extra: string): string => `${JSON.stringify(validClaims).slice(0, -1)},${extra}}`;

  it('__proto__ is an own member and sets no prototype', async () => {
    const claims = await auth.verify(signHs(body('"__proto__":{"admin":true,"role":"admin"}')));
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
    expect(Object.hasOwn(claims, '__proto__')).toBe(true);
    expect(claims.admin).toBeUndefined();
    expect(claims.role).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('issue copies a __proto__ member of the claims as data, and the token carries it back', async () => {
    const claims = JSON.parse('{"sub":"user-1","__proto__":{"role":"admin"}}') as { sub: string };
    const token = await auth.issue(claims);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({
      sub: 'user-1',
      ['__proto__']: { role: 'admin' },
    });
    const back = await auth.verify(token);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back.role).toBeUndefined();
  });

  it('constructor.prototype reaches nothing', async () => {
    const claims = await auth.verify(
      signHs(body('"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1}')),
    );
    expect(claims.constructor).toEqual({ prototype: { polluted: 1 } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('an inherited name does not satisfy requiredClaims or the audience check', async () => {
    const strict = createAuth({ ...hsOptions, requiredClaims: ['constructor'] });
    await expect(strict.verify(signHs(claimsWith({})))).rejects.toMatchObject({
      code: 'ERR_CLAIM_INVALID',
      claim: 'constructor',
    });
    const noAud = createAuth({ ...hsOptions, audience: 'toString' });
    await expect(noAud.verify(signHs(claimsWith({ aud: undefined })))).rejects.toMatchObject({
      claim: 'aud',
    });
  });
});

describe('maxTokenBytes', () => {
  it('refuses a valid token longer than the limit', async () => {
    const auth = createAuth({ ...hsOptions, maxTokenBytes: validHsToken.length - 1 });
    await expect(auth.verify(validHsToken)).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
    const roomy = createAuth({ ...hsOptions, maxTokenBytes: validHsToken.length });
    await expect(roomy.verify(validHsToken)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('refuses a 10 MB token before decoding it', async () => {
    const decode = vi.spyOn(Buffer, 'from');
    const auth = createAuth(hsOptions);
    await expect(auth.verify(`${'A'.repeat(10 * 1024 * 1024)}.A.A`)).rejects.toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
    });
    expect(decode).not.toHaveBeenCalled();
  });

  it.each([
    ['a number', 123],
    ['null', null],
    ['an object', { toString: () => validHsToken }],
    ['an array', [validHsToken]],
  ])('a token that is %s is malformed', async (_name, token) => {
    await expect(createAuth(hsOptions).verify(token as never)).rejects.toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
    });
  });
});

describe('isRevoked', () => {
  it('refuses a revoked token and is called only after every other check passed', async () => {
    const isRevoked = vi.fn((claims: { sub?: string }) => claims.sub === 'user-1');
    const auth = createAuth({ ...hsOptions, isRevoked });
    await expect(auth.verify(validHsToken)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED', status: 401 });
    expect(isRevoked).toHaveBeenCalledTimes(1);
    await expect(auth.verify(signHs(claimsWith({ exp: NOW - 1 })))).rejects.toMatchObject({
      code: 'ERR_TOKEN_EXPIRED',
    });
    const forged = validHsToken.replace(
      /\.(.)([^.]*)$/,
      (_m, first: string, rest: string) => `.${first === 'A' ? 'B' : 'A'}${rest}`,
    );
    await expect(auth.verify(forged)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    expect(isRevoked).toHaveBeenCalledTimes(1);
    await expect(auth.verify(signHs(claimsWith({ sub: 'user-2' })))).resolves.toMatchObject({
      sub: 'user-2',
    });
  });

  it('passes a store failure on unchanged, never as a 401', async () => {
    const failure = new Error('store down');
    const auth = createAuth({ ...hsOptions, isRevoked: () => Promise.reject(failure) });
    await expect(auth.verify(validHsToken)).rejects.toBe(failure);
  });
});

describe('realm', () => {
  it('names the configured realm in every challenge', async () => {
    const auth = createAuth({ ...hsOptions, realm: 'orders' });
    const err = await refusal(auth.verify('x.y.z'));
    expect(err.headers['WWW-Authenticate']).toBe(
      'Bearer realm="orders", error="invalid_token", error_description="token malformed"',
    );
  });
});
