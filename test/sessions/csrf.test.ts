// CSRF checks for cookie-borne tokens: exactly what passes, what a cross-site attacker tries (Origin and Host
// spellings, proxies' headers, methods, a double submit), and a custom getToken cannot switch them off.
import { createServer, type RequestListener } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuth, hs256, isAuthError, type RequestLike } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { NOW_MS, SECRET } from '../helpers.js';
import {
  EVIL,
  cookieOf,
  cookiesOf,
  expectRefused,
  login,
  sessionApp,
  withCookie,
} from '../support/sessions.js';

describe.each(variants)('$name', (variant) => {
  // Go's net/http CrossOriginProtection rule. Every request names its Host: app.local.
  const cases: { name: string; headers: Record<string, string>; status: number }[] = [
    { name: 'neither Origin nor Sec-Fetch-Site (no browser sent it)', headers: {}, status: 200 },
    { name: 'Sec-Fetch-Site: same-origin', headers: { 'Sec-Fetch-Site': 'same-origin' }, status: 200 },
    {
      name: 'Sec-Fetch-Site: none (typed in the address bar, a bookmark)',
      headers: { 'Sec-Fetch-Site': 'none' },
      status: 200,
    },
    { name: 'an Origin equal to the request’s own', headers: { Origin: 'http://app.local' }, status: 200 },
    {
      name: 'an Origin listed in csrf.origins',
      headers: { Origin: 'https://app.example', 'Sec-Fetch-Site': 'same-site' },
      status: 200,
    },
    { name: 'Sec-Fetch-Site: cross-site', headers: { 'Sec-Fetch-Site': 'cross-site' }, status: 403 },
    {
      name: 'Sec-Fetch-Site: same-site from an unlisted origin',
      headers: { 'Sec-Fetch-Site': 'same-site', Origin: 'https://other.example' },
      status: 403,
    },
    { name: 'a foreign Origin', headers: { Origin: EVIL }, status: 403 },
    { name: 'Origin: null (a sandboxed frame, a redirect)', headers: { Origin: 'null' }, status: 403 },
    {
      name: 'Sec-Fetch-Site: same-origin beside a foreign Origin',
      headers: { 'Sec-Fetch-Site': 'same-origin', Origin: EVIL },
      status: 200,
    },
  ];

  it.each(cases)('a cookie POST with $name: $status', async ({ headers, status }) => {
    const { app } = sessionApp(variant, { csrf: { origins: ['https://app.example'] } });
    const s = await login(app);
    const res = await request(app)
      .post('/write')
      .set('Host', 'app.local')
      .set('Cookie', `jwt=${s.access}`)
      .set(headers);
    if (status === 200) expect(res.status).toBe(200);
    else expectRefused(res, 403, 'ERR_CSRF');
  });

  it('a Bearer POST is never checked, whatever its Origin', async () => {
    const { app } = sessionApp(variant);
    const s = await login(app);
    expect(
      (await request(app).post('/write').set('Authorization', `Bearer ${s.access}`).set('Origin', EVIL))
        .status,
    ).toBe(200);
  });

  it('getToken returning a string (from the cookie here): the CSRF checks still apply', async () => {
    const { app } = sessionApp(variant, { getToken: cookieOf });
    const s = await login(app);
    expectRefused(
      await request(app).post('/write').set('Cookie', `jwt=${s.access}`).set('Origin', EVIL),
      403,
      'ERR_CSRF',
    );
    expect(
      (
        await request(app)
          .post('/write')
          .set('Cookie', `jwt=${s.access}`)
          .set('Sec-Fetch-Site', 'same-origin')
      ).status,
    ).toBe(200);
  });

  it('getToken saying source "bearer": no CSRF check, and no renewal', async () => {
    const fromHeader = (req: RequestLike): { token: string; source: 'bearer' } | undefined => {
      const token = req.headers['x-api-token'];
      return typeof token === 'string' ? { token, source: 'bearer' } : undefined;
    };
    const { app, at } = sessionApp(variant, {
      getToken: fromHeader,
      expiresIn: '1h',
      refresh: false,
      renew: { maxAge: '12h' },
    });
    const s = await login(app);
    expect((await request(app).post('/write').set('x-api-token', s.access).set('Origin', EVIL)).status).toBe(
      200,
    );
    at(50 * 60);
    const late = await request(app).get('/required').set('x-api-token', s.access);
    expect(late.status).toBe(200);
    expect(cookiesOf(late).jwt).toBeUndefined();
  });

  describe('CSRF on a cookie session', () => {
    const { auth, app } = sessionApp(variant, { refresh: false });
    const proxied = variant.build(auth, true);
    let token = '';
    beforeAll(async () => {
      token = (await login(app)).access;
    });

    const cases: [string, Record<string, string | string[]>, number][] = [
      [
        'an Origin that only starts with the host',
        { Origin: 'https://app.test.evil.test', Host: 'app.test' },
        403,
      ],
      ['a cross-site Origin', { Origin: EVIL, Host: 'app.test' }, 403],
      ['an Origin with a trailing dot', { Origin: 'https://app.test.', Host: 'app.test' }, 403],
      ['a Host with a trailing dot', { Origin: 'https://app.test', Host: 'app.test.' }, 403],
      ['an Origin on another port', { Origin: 'https://app.test:8443', Host: 'app.test' }, 403],
      [
        'an Origin with userinfo pointing elsewhere',
        { Origin: 'https://app.test@evil.test', Host: 'app.test' },
        403,
      ],
      ['Origin: null', { Origin: 'null', Host: 'app.test' }, 403],
      ['an empty Origin', { Origin: '', Host: 'app.test' }, 403],
      [
        'two Origin headers, the own one second',
        { Origin: [EVIL, 'https://app.test'], Host: 'app.test' },
        403,
      ],
      [
        'X-Forwarded-Host naming the attacker (no trusted proxy)',
        { Origin: EVIL, Host: 'app.test', 'X-Forwarded-Host': 'evil.test' },
        403,
      ],
      ['Sec-Fetch-Site: same-site alone', { 'Sec-Fetch-Site': 'same-site' }, 403],
      ['Sec-Fetch-Site: cross-site alone', { 'Sec-Fetch-Site': 'cross-site' }, 403],
      [
        'Sec-Fetch-Site: same-site with the own Origin',
        { 'Sec-Fetch-Site': 'same-site', Origin: 'https://app.test', Host: 'app.test' },
        403,
      ],
      ['Sec-Fetch-Site in upper case', { 'Sec-Fetch-Site': 'SAME-ORIGIN', Origin: EVIL }, 403],
      ['two Sec-Fetch-Site headers', { 'Sec-Fetch-Site': ['cross-site', 'same-origin'], Origin: EVIL }, 403],
      ['an unknown Sec-Fetch-Site', { 'Sec-Fetch-Site': 'trusted', Origin: EVIL }, 403],
      [
        'method-override headers asking for GET',
        { Origin: EVIL, 'X-HTTP-Method-Override': 'GET', 'X-HTTP-Method': 'GET', 'X-Method-Override': 'GET' },
        403,
      ],
      [
        'browser-cached Basic credentials next to the cookie',
        { Origin: EVIL, Authorization: 'Basic dXNlcjpwYXNz' },
        403,
      ],
      ['the own Origin in upper case', { Origin: 'HTTPS://APP.TEST', Host: 'app.test' }, 200],
      ['the own Host in upper case', { Origin: 'https://app.test', Host: 'APP.TEST' }, 200],
      ['the own origin with its port', { Origin: 'https://app.test:8443', Host: 'app.test:8443' }, 200],
      [
        'Sec-Fetch-Site: same-origin',
        { 'Sec-Fetch-Site': 'same-origin', Origin: 'https://app.test', Host: 'app.test' },
        200,
      ],
      // Not a browser attack: a browser sets Host from the URL it sends the request to.
      ['a Host forged to match a forged Origin', { Origin: EVIL, Host: 'evil.test' }, 200],
    ];
    it.each(cases.map(([name, headers, status]) => ({ name, headers, status })))(
      'POST /write with the cookie and $name: $status',
      async ({ headers, status }) => {
        const res = await request(app).post('/write').set('Cookie', `jwt=${token}`).set(headers);
        expect(res.status).toBe(status);
        if (status === 403)
          expect(res.body).toEqual({
            error: 'forbidden',
            error_description: 'cross-site request refused',
            code: 'ERR_CSRF',
          });
      },
    );

    it('a cross-site "log out everywhere" is a 403 ERR_CSRF and ends nothing', async () => {
      const own = (await login(app)).access;
      expectRefused(
        await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${own}`).set('Origin', EVIL),
        403,
        'ERR_CSRF',
      );
      expect((await withCookie(app, own)).status).toBe(200);
      expect((await withCookie(app, token)).status).toBe(200);
    });

    it('behind a trusted proxy, X-Forwarded-Host and -Proto do not make a cross-site Origin pass', async () => {
      const headers = {
        Origin: EVIL,
        Host: 'app.test',
        'X-Forwarded-Host': 'evil.test',
        'X-Forwarded-Proto': 'https',
      };
      expectRefused(
        await request(proxied).post('/write').set('Cookie', `jwt=${token}`).set(headers),
        403,
        'ERR_CSRF',
      );
      // The raw Host is what counts: a proxy that rewrites Host needs the public origin in csrf.origins.
      const internal = {
        Origin: 'https://app.test',
        Host: 'internal:3000',
        'X-Forwarded-Host': 'app.test',
        'X-Forwarded-Proto': 'https',
      };
      expectRefused(
        await request(proxied).post('/write').set('Cookie', `jwt=${token}`).set(internal),
        403,
        'ERR_CSRF',
      );
      const listed = variant.build(
        createAuth({ key: hs256(SECRET), now: () => NOW_MS, csrf: { origins: ['https://app.test'] } }),
        true,
      );
      expect((await request(listed).post('/write').set('Cookie', `jwt=${token}`).set(internal)).status).toBe(
        200,
      );
    });

    it('a lower-case method never reaches the app (Node refuses it), and the core treats it as unsafe', async () => {
      const httpServer = createServer(app as unknown as RequestListener).listen(0, '127.0.0.1');
      await new Promise((resolve) => httpServer.once('listening', resolve));
      try {
        const { port } = httpServer.address() as AddressInfo;
        const reply = await new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.end(
              `post /write HTTP/1.1\r\nHost: app.test\r\nOrigin: ${EVIL}\r\nCookie: jwt=${token}\r\nContent-Length: 0\r\n\r\n`,
            );
          });
          let data = '';
          socket.on('data', (chunk: Buffer) => void (data += chunk.toString()));
          socket.on('end', () => resolve(data));
          socket.on('error', reject);
        });
        expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      } finally {
        httpServer.close();
      }
      for (const method of ['post', 'Post', 'delete', 'put', 'PATCH', 'PROPFIND', 'CONNECT']) {
        const err = await auth
          .authenticate({ method, headers: { cookie: `jwt=${token}`, origin: EVIL } })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isAuthError(err) && err.code, method).toBe('ERR_CSRF');
      }
      for (const method of ['GET', 'get', 'HEAD', 'OPTIONS']) {
        expect(
          await auth.authenticate({ method, headers: { cookie: `jwt=${token}`, origin: EVIL } }),
          method,
        ).not.toBeNull();
      }
    });

    describe('signed double submit', () => {
      const double = sessionApp(variant, { refresh: false, csrf: { header: 'x-csrf-token' } });
      const post = (access: string, headers: Record<string, string | string[]>): request.Test =>
        request(double.app).post('/write').set('Cookie', `jwt=${access}`).set(headers);

      it('the header must repeat this session’s csrf claim: missing, empty, doubled, another session’s or a lone cookie is a 403', async () => {
        const s = await login(double.app);
        const mine = await login(double.app);
        const refusals: Record<string, string | string[]>[] = [
          {},
          { 'x-csrf-token': '' },
          { 'x-csrf-token': [s.csrf, s.csrf] },
          { 'x-csrf-token': s.csrf.toUpperCase() },
          { 'x-csrf-token': `${s.csrf.slice(0, -1)}${s.csrf.endsWith('A') ? 'B' : 'A'}` },
          { 'x-csrf-token': s.csrf.slice(0, -1) },
          { 'x-csrf-token': `${s.csrf}A` },
          { 'x-csrf-token': `${s.csrf.slice(0, -1)}é` },
          { 'x-csrf-token': mine.csrf },
          { 'X-CSRF-TOKEN': mine.csrf, Cookie: `jwt=${s.access}; csrf=${mine.csrf}` },
          { 'x-csrf-token': s.csrf, Origin: EVIL },
        ];
        for (const headers of refusals) expectRefused(await post(s.access, headers), 403, 'ERR_CSRF');
        expect((await post(s.access, { 'x-csrf-token': s.csrf })).status).toBe(200);
        expect(
          (await request(double.app).post('/write').set('Authorization', `Bearer ${s.access}`)).status,
        ).toBe(200);
      });

      it('a cookie token without a csrf claim is refused whatever the header says', async () => {
        const bare = await double.auth.issue({ sub: 'user-1' });
        for (const value of ['', 'undefined', 'null', '[object Object]'])
          expectRefused(await post(bare, { 'x-csrf-token': value }), 403, 'ERR_CSRF');
        expectRefused(await post(bare, {}), 403, 'ERR_CSRF');
      });
    });
  });
});

describe('the core API: the double-submit header against the csrf claim', () => {
  it('matches only the same string: no two values that encode alike (lone surrogates become U+FFFD in UTF-8)', async () => {
    const auth = createAuth({ key: hs256(SECRET), csrf: { header: 'x-csrf-token' } });
    const token = await auth.issue({ sub: 'user-1', csrf: 'x\uD800' });
    const sent = (value: string): Promise<unknown> =>
      auth.authenticate({ method: 'POST', headers: { cookie: `jwt=${token}`, 'x-csrf-token': value } }).then(
        () => 'passed',
        (err: unknown) => (isAuthError(err) ? err.code : err),
      );
    for (const value of ['x\uDC00', 'x\uFFFD', 'x', 'x\uD800\uD800'])
      expect(await sent(value), JSON.stringify(value)).toBe('ERR_CSRF');
    expect(await sent('x\uD800')).toBe('passed');
  });
});
