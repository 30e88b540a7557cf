// Requests made by hand (serverless shims, tests, express-jwt's own suite): header names in any case,
// as Node's header objects never need, and the order the sources are read in.
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, type RequestLike } from '../../src/index.js';
import { SECRET } from '../helpers.js';

const auth = createAuth({ key: hs256(SECRET), store: false });
const other = createAuth({ key: hs256(`${SECRET}-other`), store: false });

describe('header names in any case', () => {
  it('Authorization: Bearer, as a Lambda event names it', async () => {
    const token = await auth.issue({ sub: 'user-1' });
    await expect(auth.authenticate({ headers: { Authorization: `Bearer ${token}` } })).resolves.toMatchObject(
      {
        claims: { sub: 'user-1' },
        source: 'bearer',
      },
    );
    await expect(auth.authenticate({ headers: { AUTHORIZATION: `Bearer ${token}` } })).resolves.toMatchObject(
      {
        claims: { sub: 'user-1' },
      },
    );
  });

  it('Cookie, with the CSRF checks reading Origin in any case too', async () => {
    const token = await auth.issue({ sub: 'user-1' });
    await expect(auth.authenticate({ headers: { Cookie: `jwt=${token}` } })).resolves.toMatchObject({
      source: 'cookie',
    });
    await expect(
      auth.authenticate({
        method: 'POST',
        headers: { Cookie: `jwt=${token}`, Origin: 'https://evil.test', Host: 'a.test' },
      }),
    ).rejects.toMatchObject({ code: 'ERR_CSRF' });
  });

  it('one name in two cases counts as sent twice: a 400, never the first one wins', async () => {
    const token = await auth.issue({ sub: 'user-1' });
    await expect(
      auth.authenticate({ headers: { authorization: `Bearer ${token}`, Authorization: 'Bearer forged' } }),
    ).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(
      auth.authenticate({ headers: { cookie: `jwt=${token}`, Cookie: 'jwt=planted' } }),
    ).rejects.toMatchObject({ code: 'ERR_DUPLICATE_COOKIE' });
  });

  it('getToken gets the request as it was given, names unchanged', async () => {
    const token = await auth.issue({ sub: 'user-1' });
    const seen: unknown[] = [];
    const reading = createAuth({
      key: hs256(SECRET),
      store: false,
      getToken: (req: RequestLike) => {
        seen.push(req);
        return { token, source: 'bearer' };
      },
    });
    const req = { headers: { 'X-Token': token } };
    await expect(reading.authenticate(req)).resolves.toMatchObject({ claims: { sub: 'user-1' } });
    expect(seen).toEqual([req]);
  });
});

describe('sources: the order tokens are looked for in', () => {
  it('the cookie first, as koa-jwt: a valid cookie beside a stale Bearer header is let in', async () => {
    const cookieFirst = createAuth({ key: hs256(SECRET), store: false, sources: ['cookie', 'bearer'] });
    const good = await auth.issue({ sub: 'user-1' });
    const stale = await other.issue({ sub: 'user-1' });
    const both = { headers: { cookie: `jwt=${good}`, authorization: `Bearer ${stale}` } };
    await expect(cookieFirst.authenticate(both)).resolves.toMatchObject({ source: 'cookie' });
    // The default reads the header first, and refuses the stale token there: never passed over.
    await expect(auth.authenticate(both)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
  });

  it('getToken first, then the header, as koa-jwt: a getToken that finds nothing is not the end', async () => {
    const good = await auth.issue({ sub: 'user-1' });
    const fromQuery = createAuth({
      key: hs256(SECRET),
      store: false,
      getToken: (req: RequestLike) => (req.url?.includes('token=') ? req.url.split('token=')[1] : undefined),
      sources: ['getToken', 'bearer'],
    });
    await expect(
      fromQuery.authenticate({ url: '/x', headers: { authorization: `Bearer ${good}` } }),
    ).resolves.toMatchObject({ source: 'bearer' });
    await expect(fromQuery.authenticate({ url: `/x?token=${good}`, headers: {} })).resolves.toMatchObject({
      source: 'cookie',
    });
    await expect(
      fromQuery.authenticate({ url: '/x', headers: { cookie: `jwt=${good}` } }),
    ).resolves.toBeNull();
  });

  it.each([
    [{ sources: [] }, /"sources" must be a list/],
    [{ sources: ['header'] }, /"sources" must be a list/],
    [{ sources: ['bearer', 'bearer'] }, /each once/],
    [{ sources: 'cookie' }, /"sources" must be a list/],
    [{ sources: ['getToken'] }, /no getToken/],
    [{ sources: ['cookie'], cookie: false }, /cookie: false/],
    [{ sources: ['bearer'], bearer: false }, /bearer: false/],
  ])('%j is refused at start-up', (options, message) => {
    expect(() => createAuth({ key: hs256(SECRET), ...(options as object) })).toThrow(message);
  });
});
