// Sessions stay the app's own beside other issuers: the app signs, renews, refreshes and revokes only its
// own logins; another issuer's tokens are verified and never enter the store, whose subjects are the
// app's (issuer B's user "42" is not the app's user "42").
import { describe, expect, it } from 'vitest';
import {
  createAuth,
  hs256,
  memoryStore,
  rs256,
  type Auth,
  type SessionStatus,
  type SessionStore,
} from '../../src/index.js';
import { NOW_MS, OTHER_SECRET, SECRET, fixture, handToken } from '../helpers.js';

const OWN = 'https://app.example';
const B = 'https://b.example';
const bPrivate = fixture('test-only-rsa-2048-b-private.pem');

/** A memory store that records every subject it is asked about or written for. */
function watchedStore(): { store: SessionStore; subjects: (string | undefined)[] } {
  const inner = memoryStore({ now: () => now });
  const subjects: (string | undefined)[] = [];
  const store: SessionStore = {
    status: (ids, sub, options): SessionStatus | Promise<SessionStatus> => {
      subjects.push(sub);
      return options === undefined ? inner.status(ids, sub) : inner.status(ids, sub, options);
    },
    useOnce: (id, until, sub, step) => {
      subjects.push(sub);
      return step === undefined ? inner.useOnce(id, until, sub) : inner.useOnce(id, until, sub, step);
    },
    revoke: (id, until, sub) => {
      subjects.push(sub);
      return inner.revoke(id, until, sub);
    },
    revokeSubject: (sub, notBefore, until) => {
      subjects.push(sub);
      return inner.revokeSubject(sub, notBefore, until);
    },
  };
  return { store, subjects };
}

let now = NOW_MS;
const fromB = (claims: object, iat = Math.floor(now / 1000)): string =>
  handToken(
    { alg: 'RS256', typ: 'JWT', kid: 'b' },
    { iss: B, aud: 'api', iat, exp: iat + 3600, jti: `b-${iat}`, ...claims },
    { rsaPem: bPrivate },
  );

function app(): { auth: Auth; subjects: (string | undefined)[] } {
  now = NOW_MS;
  const { store, subjects } = watchedStore();
  const auth = createAuth({
    key: hs256(SECRET),
    issuer: OWN,
    audience: 'app',
    store,
    refresh: { expiresIn: '30d' },
    renew: { maxAge: '12h' },
    issuers: [
      {
        issuer: B,
        key: rs256({ publicKey: fixture('test-only-rsa-2048-b-public.pem'), kid: 'b' }),
        audience: 'api',
      },
    ],
    now: () => now,
  });
  return { auth, subjects };
}

const bearer = (token: string): { headers: Record<string, string> } => ({
  headers: { authorization: `Bearer ${token}` },
});

describe('the app’s own sessions beside another issuer', () => {
  it('another issuer’s token is verified without asking the store; the app’s own is checked against it', async () => {
    const { auth, subjects } = app();
    await expect(auth.verify(fromB({ sub: '42' }))).resolves.toMatchObject({ iss: B, sub: '42' });
    expect(subjects).toEqual([]);
    const { token } = await auth.startSession({ sub: '42' });
    await expect(auth.verify(token)).resolves.toMatchObject({ iss: OWN });
    expect(subjects).toContain('42');
  });

  it('log out everywhere of the app’s user "42" leaves issuer B’s user "42" alone, and the reverse', async () => {
    const { auth } = app();
    const own = await auth.startSession({ sub: '42' });
    const b = fromB({ sub: '42' });
    now += 2000;
    // B's user signs out everywhere with B's token: nothing of the app's user 42 ends.
    const ended = auth.endSession(bearer(b), { everywhere: true });
    await ended.revoked;
    await expect(auth.verify(own.token)).resolves.toMatchObject({ sub: '42', iss: OWN });
    // The app's user 42 logs out everywhere: B's user 42 is not the app's to end.
    await auth.revokeSubject('42');
    await expect(auth.verify(own.token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    await expect(auth.verify(b)).resolves.toMatchObject({ sub: '42', iss: B });
  });

  it('auth.revoke takes the app’s own tokens only: another issuer’s is a TypeError, and writes nothing', async () => {
    const { auth, subjects } = app();
    const claims = await auth.verify(fromB({ sub: '42' }));
    await expect(auth.revoke(claims)).rejects.toThrow(
      /only tokens of the app's own issuer can be revoked; this one's issuer is another/,
    );
    expect(subjects).toEqual([]);
  });

  it('sign-out with another issuer’s Bearer token clears the cookies and revokes nothing', async () => {
    const { auth, subjects } = app();
    const b = fromB({ sub: '42' });
    const ended = auth.endSession(bearer(b));
    await ended.revoked;
    expect(ended.cookies.some((c) => c.startsWith('jwt=;'))).toBe(true);
    expect(subjects).toEqual([]);
    await expect(auth.verify(b)).resolves.toMatchObject({ iss: B });
  });

  it('another issuer’s token found in the session cookie is never renewed into one the app signs', async () => {
    const { auth } = app();
    const b = fromB({ sub: '42' });
    now += 40 * 60_000;
    const found = await auth.authenticate({ headers: { cookie: `jwt=${b}` } });
    expect(found).toMatchObject({ source: 'cookie', claims: { iss: B } });
    await expect(auth.renew(found!)).resolves.toBeUndefined();
    // The app's own cookie token at the same age is renewed.
    const own = await auth.startSession({ sub: '42' });
    now += 40 * 60_000;
    const mine = await auth.authenticate({ headers: { cookie: `jwt=${own.token}` } });
    await expect(auth.renew(mine!)).resolves.toMatchObject({ token: expect.any(String) });
  });

  it('a refresh token is only ever the app’s: one minted by another issuer is refused, and spends nothing', async () => {
    const { auth, subjects } = app();
    const iat = Math.floor(now / 1000);
    const forged = handToken(
      { alg: 'RS256', typ: 'refresh+jwt', kid: 'b' },
      {
        iss: B,
        aud: 'jwt-gate:refresh',
        sub: '42',
        sid: `x.${iat + 86400}.1`,
        jti: '0.x',
        iat,
        exp: iat + 86400,
      },
      { rsaPem: bPrivate },
    );
    await expect(auth.refresh({ headers: { cookie: `jwt-refresh=${forged}` } })).rejects.toMatchObject({
      status: 401,
    });
    const partner = handToken(
      { alg: 'HS256', typ: 'refresh+jwt' },
      {
        iss: B,
        aud: 'jwt-gate:refresh',
        sub: '42',
        sid: `x.${iat + 86400}.1`,
        jti: '0.x',
        iat,
        exp: iat + 86400,
      },
      { hmac: OTHER_SECRET },
    );
    await expect(auth.refresh({ headers: { cookie: `jwt-refresh=${partner}` } })).rejects.toMatchObject({
      status: 401,
    });
    expect(subjects).toEqual([]);
  });

  it('the app’s own refresh and sign-out work as without other issuers', async () => {
    const { auth } = app();
    const s = await auth.startSession({ sub: '42' });
    const refreshCookie = s.cookies.find((c) => c.startsWith('jwt-refresh='))!.split(';')[0]!;
    const refreshed = await auth.refresh({ headers: { cookie: refreshCookie } });
    await expect(auth.verify(refreshed.token)).resolves.toMatchObject({ sub: '42', iss: OWN });
    await auth.endSession({ headers: { cookie: `jwt=${refreshed.token}` } }).revoked;
    await expect(auth.verify(refreshed.token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});

describe('"Your sessions" beside another issuer', () => {
  // Issuer B's user "42" is not the app's user "42": B's token neither lists nor ends the app's logins.
  function withLogins(): Auth {
    now = NOW_MS;
    return createAuth({
      key: hs256(SECRET),
      issuer: OWN,
      audience: 'app',
      store: memoryStore({ now: () => now }),
      issuers: [
        {
          issuer: B,
          key: rs256({ publicKey: fixture('test-only-rsa-2048-b-public.pem'), kid: 'b' }),
          audience: 'api',
        },
      ],
      now: () => now,
    });
  }

  it('another issuer’s session lists none of the app’s logins of the same subject', async () => {
    const auth = withLogins();
    const own = await auth.startSession({ sub: '42' });
    const ownSession = await auth.authenticate(bearer(own.token));
    const bSession = await auth.authenticate(bearer(fromB({ sub: '42' })));
    if (ownSession === null || bSession === null) throw new Error('both tokens carry a session');
    expect(await auth.logins('42', { session: ownSession })).toHaveLength(1);
    expect(await auth.logins('42', { session: bSession })).toEqual([]);
  });

  it('another issuer’s session ends none of the app’s logins of the same subject', async () => {
    const auth = withLogins();
    const own = await auth.startSession({ sub: '42' });
    const [mine] = await auth.logins('42');
    const bSession = await auth.authenticate(bearer(fromB({ sub: '42' })));
    if (mine === undefined || bSession === null) throw new Error('a login and a session');
    const ended = auth.endLoginOf(bearer(fromB({ sub: '42' })), mine.sid, { session: bSession });
    expect(ended.cookies).toEqual([]);
    await expect(ended.ended).resolves.toBe(false);
    await expect(auth.verify(own.token)).resolves.toMatchObject({ sub: '42', iss: OWN });
  });
});
