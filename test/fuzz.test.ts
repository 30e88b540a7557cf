// Seeded fuzzing of verify and authenticate, checked against an independent reference verifier.
// Every input must end in one of two ways: the claims of a token that really is valid, or an
// AuthError with a documented code that repeats nothing of the input. Deterministic: no Math.random.
import { createSecretKey } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createAuth,
  errorDescriptions,
  hs256,
  isAuthError,
  type Auth,
  type AuthErrorCode,
  type RequestLike,
} from '../src/index.js';
import { NOW, NOW_MS, SECRET, b64, handToken } from './helpers.js';
import {
  AUDIENCE,
  ISSUER,
  MARKER,
  claimsWith,
  hostileHsCases,
  hostileRsCases,
  hsOptions,
  rsOptions,
  rsaPrivatePem,
  rsaPublicPem,
  signHs,
  validClaims,
  validHsToken,
  validRsToken,
} from './hostile-tokens.js';
import {
  EXTRA_NAMES,
  genHeader,
  genPayload,
  mutate,
  nested,
  randomB64,
  randomUnicode,
  seeded,
  signRsa,
  type Rng,
} from './support/fuzz-generators.js';
import { HS_REF, RS_REF, referenceVerify, type RefConfig } from './support/reference-verifier.js';

// ---------------------------------------------------------------------------------------------
// The invariants

const VERIFY_CODES: readonly AuthErrorCode[] = [
  'ERR_TOKEN_MALFORMED',
  'ERR_ALG_NOT_ALLOWED',
  'ERR_SIGNATURE_INVALID',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_NOT_YET_VALID',
  'ERR_CLAIM_INVALID',
  'ERR_KEY_NOT_FOUND',
];
const REQUEST_CODES: readonly AuthErrorCode[] = [...VERIFY_CODES, 'ERR_BAD_REQUEST', 'ERR_DUPLICATE_COOKIE'];
const BAD_REQUEST: readonly AuthErrorCode[] = ['ERR_BAD_REQUEST', 'ERR_DUPLICATE_COOKIE'];
const CHALLENGE =
  /^Bearer realm="api"(?:, error="(?:invalid_token|invalid_request)", error_description="[a-z ]+")?$/;

/** Never to be repeated by an error: the key material and the payload marker. */
const SECRETS: readonly string[] = [
  MARKER,
  SECRET,
  ...rsaPrivatePem
    .split('\n')
    .filter((line) => line.length > 40)
    .slice(0, 3),
];

type Outcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

async function settle(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Pieces of an input long enough that finding them in an error means it was echoed. */
function echoCandidates(input: unknown): string[] {
  if (typeof input !== 'string') return [];
  return input.split(/[.\s;,="]/).filter((part) => part.length >= 10);
}

/** What is wrong with a refusal, or undefined when it keeps every rule. */
function refusalProblem(error: unknown, input: unknown, codes: readonly AuthErrorCode[]): string | undefined {
  if (!isAuthError(error)) return `not an AuthError: ${String(error).slice(0, 200)}`;
  if (!codes.includes(error.code)) return `unexpected code ${error.code}`;
  if (!Object.hasOwn(errorDescriptions, error.code)) return `undocumented code ${error.code}`;
  if (error.message !== errorDescriptions[error.code])
    return `message is not the fixed sentence: ${error.message.slice(0, 100)}`;
  const status = BAD_REQUEST.includes(error.code) ? 400 : 401;
  if (error.status !== status || error.statusCode !== status)
    return `status ${error.status}/${error.statusCode} for ${error.code}`;
  const bearer = BAD_REQUEST.includes(error.code) ? 'invalid_request' : 'invalid_token';
  if (error.error !== bearer) return `RFC 6750 error ${String(error.error)} for ${error.code}`;
  const headerNames = Object.keys(error.headers);
  const challenge = error.headers['WWW-Authenticate'];
  if (headerNames.length !== 1 || challenge === undefined || !CHALLENGE.test(challenge))
    return `bad headers ${JSON.stringify(error.headers)}`;
  const carried = [
    error.message,
    String(error.stack),
    JSON.stringify(error),
    JSON.stringify(error.headers),
    String(error.cause ?? ''),
  ].join('\n');
  for (const part of [...echoCandidates(input), ...SECRETS]) {
    if (carried.includes(part)) return `the error echoes ${JSON.stringify(part.slice(0, 40))}`;
  }
  return undefined;
}

/** Collects invariant breaks so one run reports every failing input, not just the first. */
class Findings {
  readonly list: string[] = [];
  add(label: string, input: unknown, problem: string): void {
    if (this.list.length < 25) {
      const shown =
        typeof input === 'string'
          ? JSON.stringify(input.length > 160 ? `${input.slice(0, 160)}…(${input.length})` : input)
          : String(input);
      this.list.push(`${label}: ${problem} — input ${shown}`);
    }
  }
}

/** Runs `auth.verify(token)` and checks the outcome against the reference verifier. */
async function checkVerify(
  findings: Findings,
  label: string,
  auth: Auth,
  token: unknown,
  config: RefConfig,
): Promise<'accepted' | 'refused'> {
  const expected = referenceVerify(token, config);
  const outcome = await settle(() => auth.verify(token as string));
  if (outcome.ok) {
    if (expected.claims === undefined)
      findings.add(label, token, `accepted, reference refuses with ${expected.codes.join('|')}`);
    else if (!isDeepStrictEqual(outcome.value, expected.claims))
      findings.add(label, token, 'accepted with other claims than the payload');
    else if (Object.getPrototypeOf(outcome.value) !== Object.prototype)
      findings.add(label, token, 'claims have a foreign prototype');
    return 'accepted';
  }
  if (expected.claims !== undefined) {
    findings.add(
      label,
      token,
      `refused (${isAuthError(outcome.error) ? outcome.error.code : String(outcome.error)}), reference accepts`,
    );
    return 'refused';
  }
  const problem = refusalProblem(
    outcome.error,
    token,
    expected.codes.length > 0 ? expected.codes : VERIFY_CODES,
  );
  if (problem !== undefined) findings.add(label, token, problem);
  return 'refused';
}

// ---------------------------------------------------------------------------------------------

const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
afterAll(() => {
  // No input, in any test of this file, may have reached Object.prototype.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  const probe: Record<string, unknown> = {};
  expect([probe.polluted, probe.role, probe.isAdmin, probe.alg, probe.kid, probe.crit]).toEqual([
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});

describe('the reference verifier agrees with the fixtures', () => {
  it('accepts the two valid tokens and refuses every row of the hostile tables', () => {
    expect(referenceVerify(validHsToken, HS_REF).claims).toEqual(validClaims);
    expect(referenceVerify(validRsToken, RS_REF).claims).toEqual(validClaims);
    for (const row of hostileHsCases())
      expect(referenceVerify(row.token, HS_REF).claims, row.name).toBeUndefined();
    for (const row of hostileRsCases())
      expect(referenceVerify(row.token, RS_REF).claims, row.name).toBeUndefined();
  });
});

describe('mutation fuzzing of valid tokens', () => {
  it.each([
    ['HS256', hsOptions, validHsToken, HS_REF, 0x5eed0001, 2500],
    ['RS256', rsOptions, validRsToken, RS_REF, 0x5eed0002, 900],
  ] as const)(
    '%s: every edit of the valid token is refused, the token itself verifies',
    async (alg, options, valid, ref, seed, rounds) => {
      const auth = createAuth(options);
      const r = seeded(seed);
      const findings = new Findings();
      const donors = [validHsToken, validRsToken, signHs(claimsWith({ sub: 'admin' }))];
      let accepted = 0;
      for (let i = 0; i < rounds; i++) {
        const token = i === 0 ? valid : mutate(valid, r, donors);
        const verdict = await checkVerify(findings, `${alg} mutation #${i}`, auth, token, ref);
        if (verdict === 'accepted') {
          accepted++;
          if (token !== valid)
            findings.add(`${alg} mutation #${i}`, token, 'a token other than the signed one verified');
        } else if (token === valid) {
          findings.add(`${alg} mutation #${i}`, token, 'the untouched valid token was refused');
        }
      }
      expect(findings.list).toEqual([]);
      expect(accepted).toBeGreaterThanOrEqual(1);
    },
  );

  it('edits of every hostile-table token are judged exactly as the reference verifier judges them', async () => {
    const r = seeded(0x5eed0003);
    const findings = new Findings();
    const hsAuth = createAuth(hsOptions);
    const rsAuth = createAuth(rsOptions);
    const hsCorpus = hostileHsCases().map((c) => c.token);
    const rsCorpus = hostileRsCases().map((c) => c.token);
    const donors = [...hsCorpus, ...rsCorpus, validHsToken, validRsToken];
    for (let i = 0; i < 1500; i++) {
      const rs = i % 5 === 0;
      const seed = r.pick(rs ? rsCorpus : hsCorpus);
      const token = r.chance(0.1) ? seed : mutate(seed, r, donors);
      await checkVerify(findings, `corpus #${i}`, rs ? rsAuth : hsAuth, token, rs ? RS_REF : HS_REF);
    }
    expect(findings.list).toEqual([]);
  });
});

describe('structured fuzzing: correctly signed tokens with hostile headers and claims', () => {
  it('HS256: accepted exactly when the reference verifier accepts, with the payload as claims', async () => {
    const r = seeded(0x5eed0010);
    const findings = new Findings();
    const plain = createAuth(hsOptions);
    const withKid = createAuth({ ...hsOptions, key: hs256({ secret: SECRET, kid: 'k1' }) });
    const joseKey = createSecretKey(Buffer.from(SECRET));
    const counts = { accepted: 0, refused: 0 };
    for (let i = 0; i < 2500; i++) {
      const header = genHeader(r, 'HS256');
      const token = handToken(header, genPayload(r), { hmac: SECRET });
      const kid = i % 3 === 0;
      const verdict = await checkVerify(
        findings,
        `structured HS #${i}`,
        kid ? withKid : plain,
        token,
        kid ? { ...HS_REF, kid: 'k1' } : HS_REF,
      );
      counts[verdict]++;
      if (verdict === 'accepted') {
        // jose, an independent implementation, must accept whatever we accept.
        const jose = await settle(() =>
          jwtVerify(token, joseKey, {
            algorithms: ['HS256'],
            issuer: ISSUER,
            audience: AUDIENCE,
            currentDate: new Date(NOW_MS),
          }),
        );
        if (!jose.ok)
          findings.add(
            `structured HS #${i}`,
            token,
            `accepted, but jose refuses: ${String(jose.error).slice(0, 120)}`,
          );
      }
    }
    expect(findings.list).toEqual([]);
    // The generator must exercise both sides.
    expect(counts.accepted).toBeGreaterThan(100);
    expect(counts.refused).toBeGreaterThan(500);
  });

  it('RS256: the same, including HS256 tokens keyed with the RSA public key', async () => {
    const r = seeded(0x5eed0011);
    const findings = new Findings();
    const auth = createAuth(rsOptions);
    let accepted = 0;
    for (let i = 0; i < 160; i++) {
      const header = genHeader(r, 'RS256');
      const payload = genPayload(r);
      const token =
        i % 8 === 0
          ? handToken(header.replace('"RS256"', '"HS256"'), payload, { hmac: rsaPublicPem })
          : signRsa(header, payload);
      if ((await checkVerify(findings, `structured RS #${i}`, auth, token, RS_REF)) === 'accepted')
        accepted++;
    }
    expect(findings.list).toEqual([]);
    expect(accepted).toBeGreaterThan(5);
  });
});

describe('random and non-string inputs', () => {
  it('random bytes, random unicode, and random base64url segments are refused with a documented code', async () => {
    const r = seeded(0x5eed0020);
    const findings = new Findings();
    const auth = createAuth(hsOptions);
    for (let i = 0; i < 2000; i++) {
      let token: string;
      switch (i % 5) {
        case 0:
          token = Buffer.from(Array.from({ length: r.int(200) }, () => r.int(256))).toString('latin1');
          break;
        case 1:
          token = randomUnicode(r, r.int(120));
          break;
        case 2:
          token = [randomB64(r, 1 + r.int(60)), randomB64(r, 1 + r.int(200)), randomB64(r, r.int(90))].join(
            '.',
          );
          break;
        case 3: {
          // canonical segments of random bytes: they reach the UTF-8 decoder and JSON.parse
          const seg = (n: number): string =>
            Buffer.from(Array.from({ length: n }, () => r.int(256))).toString('base64url');
          token = [seg(1 + r.int(40)), seg(1 + r.int(100)), seg(32)].join('.');
          break;
        }
        default: {
          // almost-JSON headers
          const prefix = r.pick([
            '{"alg":"HS256"',
            '{"alg":',
            '{"',
            '{"alg":"HS256","typ":',
            '[',
            '{"alg":"HS256"}',
          ]);
          token = `${b64(prefix + randomUnicode(r, r.int(8)))}.${b64(JSON.stringify(validClaims))}.${randomB64(r, 43)}`;
        }
      }
      await checkVerify(findings, `random #${i}`, auth, token, HS_REF);
    }
    expect(findings.list).toEqual([]);
  });

  it('values that are not strings are malformed tokens, never a TypeError', async () => {
    const findings = new Findings();
    const auth = createAuth(hsOptions);
    const weird: unknown[] = [
      undefined,
      null,
      0,
      1,
      Number.NaN,
      true,
      {},
      [],
      [validHsToken],
      new String(validHsToken),
      Buffer.from(validHsToken),
      1n,
      Symbol('t'),
      () => validHsToken,
      { toString: () => validHsToken },
      Object.create(null),
      new Proxy({}, {}),
    ];
    for (const [i, input] of weird.entries()) {
      const outcome = await settle(() => auth.verify(input as string));
      const problem = outcome.ok
        ? 'accepted'
        : refusalProblem(outcome.error, undefined, ['ERR_TOKEN_MALFORMED']);
      if (problem !== undefined) findings.add(`non-string #${i}`, typeof input, problem);
    }
    expect(findings.list).toEqual([]);
  });
});

describe('large inputs: refused or accepted in linear time', () => {
  const timed = async (run: () => Promise<unknown>): Promise<{ outcome: Outcome; ms: number }> => {
    const start = performance.now();
    const outcome = await settle(run);
    return { outcome, ms: performance.now() - start };
  };

  it('multi-megabyte tokens are refused before any decoding', async () => {
    const auth = createAuth(hsOptions);
    for (const token of [
      'a'.repeat(10_000_000),
      `${validHsToken}.${'A'.repeat(2_000_000)}`,
      '.'.repeat(3_000_000),
      `${validHsToken}${' '.repeat(5_000_000)}`,
    ]) {
      const { outcome, ms } = await timed(() => auth.verify(token));
      expect(outcome.ok).toBe(false);
      if (!outcome.ok)
        expect(refusalProblem(outcome.error, token.slice(0, 2000), ['ERR_TOKEN_MALFORMED'])).toBeUndefined();
      expect(ms).toBeLessThan(500);
    }
  });

  it('with maxTokenBytes raised: deep nesting, 10^5 audiences, a megabyte kid', async () => {
    const big = createAuth({ ...hsOptions, maxTokenBytes: 4_000_000 });
    const ref: RefConfig = { ...HS_REF, maxTokenBytes: 4_000_000 };
    const findings = new Findings();
    const claimsText = JSON.stringify(validClaims).slice(0, -1);
    const cases: [string, string][] = [
      ['10^5 nested arrays in a claim', signHs(`${claimsText},"deep":${nested(100_000)}}`)],
      ['10^5 nested arrays as the payload', signHs(nested(100_000))],
      [
        '10^5 nested objects in a claim',
        signHs(`${claimsText},"deep":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`),
      ],
      [
        '10^5 nested arrays in the header',
        handToken(`{"alg":"HS256","x":${nested(100_000)}}`, validClaims, { hmac: SECRET }),
      ],
      [
        '10^5 audiences, ours last',
        signHs({ ...validClaims, aud: [...Array.from({ length: 100_000 }, (_, i) => `aud-${i}`), AUDIENCE] }),
      ],
      [
        '10^5 audiences, not ours',
        signHs({ ...validClaims, aud: Array.from({ length: 100_000 }, (_, i) => `aud-${i}`) }),
      ],
      [
        '10^5 audiences, one a number',
        signHs({ ...validClaims, aud: [...Array.from({ length: 100_000 }, () => AUDIENCE), 1] }),
      ],
      [
        'a megabyte kid',
        handToken({ alg: 'HS256', kid: 'k'.repeat(1_000_000) }, validClaims, { hmac: SECRET }),
      ],
      [
        'a megabyte of claims, forged',
        handToken(
          { alg: 'HS256' },
          { ...validClaims, pad: 'x'.repeat(1_000_000) },
          { hmac: `${SECRET}-forged` },
        ),
      ],
      ['a megabyte of claims, expired', signHs({ ...validClaims, exp: NOW - 1, pad: 'x'.repeat(1_000_000) })],
      [
        '10^5 duplicate exp members, the last expired',
        signHs(`${claimsText}${`,"exp":${NOW + 3600}`.repeat(100_000)},"exp":${NOW - 1}}`),
      ],
      ['10^5 numbers of 1e308', signHs(`${claimsText},"n":[${Array(100_000).fill('1e308').join(',')}]}`)],
      [
        '10^5 header members',
        handToken(
          `{${Array.from({ length: 100_000 }, (_, i) => `"h${i}":${i}`).join(',')},"alg":"HS256"}`,
          validClaims,
          { hmac: SECRET },
        ),
      ],
      [
        '10^5 claims',
        signHs(`${claimsText},${Array.from({ length: 100_000 }, (_, i) => `"c${i}":${i}`).join(',')}}`),
      ],
    ];
    for (const [name, token] of cases) {
      const start = performance.now();
      const expected = referenceVerify(token, ref);
      const outcome = await settle(() => big.verify(token));
      const ms = performance.now() - start;
      if (ms > 1500) findings.add(name, name, `took ${Math.round(ms)} ms`);
      if (outcome.ok !== (expected.claims !== undefined))
        findings.add(name, name, `outcome ${outcome.ok ? 'accepted' : 'refused'} differs from the reference`);
      if (!outcome.ok) {
        const problem = refusalProblem(
          outcome.error,
          undefined,
          expected.codes.length > 0 ? expected.codes : VERIFY_CODES,
        );
        if (problem !== undefined) findings.add(name, name, problem);
      }
    }
    const bigRs = createAuth({ ...rsOptions, maxTokenBytes: 4_000_000 });
    for (const signature of [
      b64(Buffer.alloc(1_000_000, 0xff)),
      b64(Buffer.alloc(257, 0)),
      b64(Buffer.alloc(1, 0)),
    ]) {
      const token = `${validRsToken.split('.').slice(0, 2).join('.')}.${signature}`;
      const start = performance.now();
      const outcome = await settle(() => bigRs.verify(token));
      if (performance.now() - start > 1500) findings.add('RS signature', signature.length, 'too slow');
      const problem = outcome.ok
        ? 'accepted'
        : refusalProblem(outcome.error, token, ['ERR_SIGNATURE_INVALID']);
      if (problem !== undefined) findings.add('RS signature', signature.length, problem);
    }
    expect(findings.list).toEqual([]);
  });

  it('huge and adversarial headers are handled in linear time', async () => {
    const auth = createAuth(hsOptions);
    const n = 1_000_000;
    const headers: Record<string, string | string[]>[] = [
      { authorization: `Bearer ${' '.repeat(n)}x` },
      { authorization: `Bearer${'\t'.repeat(n)}` },
      { authorization: 'Bearer '.repeat(n / 10) },
      { authorization: `Bearer ${','.repeat(n)}` },
      { authorization: ' '.repeat(n) },
      { authorization: Array.from({ length: 10_000 }, () => 'Bearer a') },
      { cookie: `${'a;'.repeat(n / 2)}jwt=x` },
      { cookie: `${';'.repeat(n)}=` },
      { cookie: '=;'.repeat(n / 2) },
      { cookie: 'a=b;'.repeat(n / 4) },
      { cookie: `jwt=${'%'.repeat(n)}` },
      { cookie: `jwt=${'%41'.repeat(n / 3)}` },
      { cookie: `${' '.repeat(n)}jwt=${validHsToken}` },
      { cookie: 'jwt=x; '.repeat(n / 7) },
      { cookie: Array.from({ length: 50_000 }, (_, i) => `c${i}=v`) },
    ];
    const findings = new Findings();
    for (const [i, h] of headers.entries()) {
      const start = performance.now();
      const outcome = await settle(() => auth.authenticate({ headers: h }));
      const ms = performance.now() - start;
      if (ms > 1500) findings.add(`huge header #${i}`, i, `took ${Math.round(ms)} ms`);
      if (!outcome.ok) {
        const problem = refusalProblem(outcome.error, undefined, REQUEST_CODES);
        if (problem !== undefined) findings.add(`huge header #${i}`, i, problem);
      } else if (outcome.value !== null && (outcome.value as { token: unknown }).token !== validHsToken) {
        findings.add(`huge header #${i}`, i, 'authenticated something other than the valid token');
      }
    }
    expect(findings.list).toEqual([]);
  });
});

describe('authenticate: fuzzed Authorization and Cookie headers', () => {
  function genHeaders(r: Rng): Record<string, string | string[] | undefined> {
    const credential = (): string =>
      r.pick([
        validHsToken,
        validHsToken,
        mutate(validHsToken, r, [validRsToken]),
        validRsToken,
        '',
        'a b',
        'a,b',
        `${validHsToken} `,
        `"${validHsToken}"`,
        `${validHsToken},${validHsToken}`,
        randomUnicode(r, r.int(20)),
        randomB64(r, r.int(50)),
        `${validHsToken}\u0000`,
        encodeURIComponent(validHsToken).replace(/\./g, '%2E'),
        `${validHsToken}; jwt=x`,
      ]);
    const authorization = (): string =>
      `${r.pick(['', ' ', '\t', '\u00a0'])}${r.pick(['Bearer', 'bearer', 'BEARER', 'bEaReR', 'Basic', 'Token', 'Bearer:', '', 'Bearerx', 'Beare', 'JWT', 'Bearer,'])}` +
      `${r.pick([' ', '\t', '  ', '', '\u00a0', '\u3000', ',', '\n', '\r\n '])}${credential()}${r.pick(['', ' ', '\t', ',', ', Bearer x'])}`;
    const cookiePair = (): string =>
      r.pick([
        'jwt',
        'jwt',
        'JWT',
        'jwt ',
        ' jwt',
        'jwtx',
        'xjwt',
        '__proto__',
        'constructor',
        'toString',
        'a',
        '',
        '%6Awt',
        'j%77t',
      ]) +
      r.pick(['=', '=', ' = ', '==', '']) +
      r.pick([
        validHsToken,
        credential(),
        '',
        `"${validHsToken}"`,
        encodeURIComponent(validHsToken),
        validHsToken.replace(/\./g, '%2E'),
        '%',
        '%zz',
        '%E0%A4%A',
        '%00',
        `${validHsToken}%20`,
        randomUnicode(r, r.int(10)),
      ]);
    const cookie = (): string =>
      Array.from({ length: 1 + r.int(4) }, cookiePair).join(r.pick(['; ', ';', ' ;', ';;', ', ', '\t;']));
    const maybeList = (make: () => string): string | string[] | undefined => {
      const roll = r.int(10);
      if (roll === 0) return undefined;
      if (roll === 1) return [];
      if (roll === 2) return Array.from({ length: 1 + r.int(3) }, make);
      return make();
    };
    const headers: Record<string, string | string[] | undefined> = {};
    if (r.chance(0.7)) headers.authorization = maybeList(authorization);
    if (r.chance(0.6)) headers.cookie = maybeList(cookie);
    if (r.chance(0.2))
      headers[r.pick(['Authorization', 'x-forwarded-for', '__proto__', 'host'])] = r.pick([
        'Bearer x',
        validHsToken,
        '',
      ]);
    return headers;
  }

  it.each([
    ['default options', hsOptions],
    ['cookie: false', { ...hsOptions, cookie: false }],
    ['bearer: false', { ...hsOptions, bearer: false }],
  ] as const)('%s: null, the valid token, or a documented refusal', async (name, options) => {
    const r = seeded(0x5eed0030);
    const findings = new Findings();
    const auth = createAuth(options);
    let seen = 0;
    for (let i = 0; i < 1200; i++) {
      const headers = genHeaders(r);
      const request: RequestLike = { headers };
      const label = `${name} #${i}`;
      const input = Object.values(headers).flat().join('\n');
      const outcome = await settle(() => auth.authenticate(request));
      if (outcome.ok) {
        if (outcome.value === null) continue;
        seen++;
        const value = outcome.value as { user: unknown; claims: unknown; token: unknown };
        if (value.token !== validHsToken)
          findings.add(label, input, `authenticated ${JSON.stringify(value.token).slice(0, 60)}`);
        else if (!isDeepStrictEqual(value.claims, validClaims) || !isDeepStrictEqual(value.user, validClaims))
          findings.add(label, input, 'wrong claims');
        continue;
      }
      const problem = refusalProblem(outcome.error, input, REQUEST_CODES);
      if (problem !== undefined) findings.add(label, input, problem);
      // Errors must not repeat the credential, even a short garbled one.
      if (isAuthError(outcome.error) && JSON.stringify(outcome.error).includes('eyJ'))
        findings.add(label, input, 'the error carries token text');
    }
    expect(findings.list).toEqual([]);
    expect(seen).toBeGreaterThan(5);
  });

  it('an exact Bearer header or jwt cookie with the valid token authenticates', async () => {
    const auth = createAuth(hsOptions);
    for (const headers of [
      { authorization: `Bearer ${validHsToken}` },
      { authorization: [`bearer\t${validHsToken}  `] },
      { cookie: `a=1; jwt=${validHsToken}` },
      { cookie: ['x=1', `jwt=${validHsToken}`] },
      { authorization: 'Basic dXNlcjpwYXNz', cookie: `jwt=${validHsToken}` },
    ]) {
      await expect(auth.authenticate({ headers })).resolves.toMatchObject({
        token: validHsToken,
        claims: validClaims,
      });
    }
  });
});

describe('issuing: what issue signs, verify judges the same way', () => {
  it('random claims round-trip through issue and verify, or are refused with a documented code', async () => {
    const r = seeded(0x5eed0040);
    const findings = new Findings();
    const auth = createAuth(hsOptions);
    const values = (): unknown =>
      r.pick<unknown>([
        'admin',
        '',
        '\ud800',
        '\u0000',
        MARKER,
        0,
        -0,
        1e308,
        -1e308,
        // eslint-disable-next-line no-loss-of-precision -- a JSON number past 2^53 on purpose
        9007199254740993,
        0.1,
        true,
        false,
        null,
        [],
        {},
        ['a', 1, null],
        { nested: { deeper: [1, { x: 'y' }] } },
        'x'.repeat(r.int(3000)),
        Object.fromEntries([['__proto__', { polluted: 1 }]]),
      ]);
    for (let i = 0; i < 300; i++) {
      const entries: [string, unknown][] = [];
      for (let k = r.int(6); k > 0; k--)
        entries.push([
          r.pick([...EXTRA_NAMES, 'sub', 'sub', 'scope', 'scp', 'typ', 'alg', 'kid', 'nonce']),
          values(),
        ]);
      if (r.chance(0.3)) entries.push(['sub', r.chance(0.8) ? `user-${i}` : values()]);
      const claims = Object.fromEntries(entries) as Record<string, unknown>;
      const label = `issue #${i}`;
      const issued = await settle(() => auth.issue(claims));
      if (!issued.ok) {
        // issue refuses up front what verify would refuse: a non-string sub, or a token past maxTokenBytes.
        const refusedUpFront =
          (issued.error instanceof TypeError &&
            /claim "sub" must be a string/.test(issued.error.message) &&
            typeof claims.sub !== 'string') ||
          (issued.error instanceof RangeError && /over maxTokenBytes/.test(issued.error.message));
        if (!refusedUpFront)
          findings.add(label, JSON.stringify(claims), `issue threw ${String(issued.error).slice(0, 100)}`);
        continue;
      }
      const token = issued.value as string;
      const expected = referenceVerify(token, HS_REF);
      const outcome = await settle(() => auth.verify(token));
      const json = JSON.parse(JSON.stringify(claims)) as Record<string, unknown>;
      if (expected.claims !== undefined) {
        if (!outcome.ok)
          findings.add(
            label,
            token,
            `our own token refused: ${isAuthError(outcome.error) ? outcome.error.code : String(outcome.error)}`,
          );
        else if (!isDeepStrictEqual(outcome.value, expected.claims))
          findings.add(label, token, 'claims differ from the payload');
        else
          for (const [name, value] of Object.entries(json)) {
            if (!isDeepStrictEqual((outcome.value as Record<string, unknown>)[name], value))
              findings.add(label, token, `claim ${name} did not round-trip`);
          }
      } else if (outcome.ok) {
        findings.add(label, token, 'accepted, reference refuses');
      } else {
        findings.add(
          label,
          token,
          `issue signed a token the reference refuses: ${refusalProblem(outcome.error, token, []) ?? ''}`,
        );
      }
    }
    expect(findings.list).toEqual([]);
  });

  it('issue refuses a token past maxTokenBytes, which its own verifier would refuse', async () => {
    const auth = createAuth(hsOptions);
    const outcome = await settle(() => auth.issue({ pad: 'x'.repeat(9000), marker: MARKER }));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error).toBeInstanceOf(RangeError);
      expect(String(outcome.error)).not.toContain(MARKER);
    }
  });

  it('payload members named __proto__ and constructor stay data through issue and verify', async () => {
    const auth = createAuth(hsOptions);
    const claims = JSON.parse(
      '{"__proto__":{"role":"admin","polluted":1},"constructor":{"prototype":{"polluted":1}},"sub":"u"}',
    ) as Record<string, unknown>;
    const verified = (await auth.verify(await auth.issue(claims))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(verified)).toBe(Object.prototype);
    expect(verified.role).toBeUndefined();
    expect(Object.hasOwn(verified, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Rules that fuzzed inputs once broke, each pinned by a test of its own.

describe('request input that is not a string never escapes as a non-AuthError', () => {
  // A JS caller (a custom server, a test harness, a Lambda adapter) can hand the core header
  // values that are not strings. Expected: no token (null) or a 400, never a TypeError -> 500.
  it.each([
    ['authorization: 123', { authorization: 123 }],
    ['authorization: {}', { authorization: {} }],
    ['authorization: [123]', { authorization: [123] }],
    ['cookie: 123', { cookie: 123 }],
    ['cookie: {}', { cookie: {} }],
    ['cookie: null', { cookie: null }],
  ])('%s gives null or an AuthError', async (_name, headers) => {
    const outcome = await settle(() =>
      createAuth(hsOptions).authenticate({ headers } as unknown as RequestLike),
    );
    if (!outcome.ok) expect(refusalProblem(outcome.error, undefined, REQUEST_CODES)).toBeUndefined();
    else expect(outcome.value).toBeNull();
  });
});

describe('the clock is not rounded before exp and maxTokenAge are compared', () => {
  // RFC 7519 §4.1.4: exp at or before now is expired, to the fraction of a second.
  it('a token whose fractional exp passed 0.4 s ago is expired', async () => {
    const auth = createAuth({ ...hsOptions, now: () => NOW_MS + 900 });
    await expect(auth.verify(signHs(claimsWith({ exp: NOW + 0.5 })))).rejects.toMatchObject({
      code: 'ERR_TOKEN_EXPIRED',
    });
  });

  it('a token 1800.9 s old is past a maxTokenAge of 1800 s', async () => {
    const auth = createAuth({ ...hsOptions, maxTokenAge: 1800, now: () => NOW_MS + 900 });
    await expect(auth.verify(signHs(claimsWith({ iat: NOW - 1800 })))).rejects.toMatchObject({
      code: 'ERR_TOKEN_EXPIRED',
    });
  });
});
