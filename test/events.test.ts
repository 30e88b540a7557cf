// onEvent: what an app hears, for logs and metrics. No event carries a token or a key.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  createAuth,
  hs256,
  isAuthError,
  jwks,
  memoryStore,
  rs256,
  type AuthEvent,
  type SessionStore,
} from '../src/index.js';
import { variants } from './adapters/apps.js';
import { NOW, SECRET, fixture, handToken } from './helpers.js';
import { login, refreshWith, sessionApp, withBearer } from './support/sessions.js';

const heard = (): { events: AuthEvent[]; onEvent: (event: AuthEvent) => void } => {
  const events: AuthEvent[] = [];
  return { events, onEvent: (event) => void events.push(event) };
};

describe.each(variants)('$name', (variant) => {
  it('sign-in, refresh, sign-out, and each refusal with its code and claim, never the token', async () => {
    const { events, onEvent } = heard();
    const { app, at } = sessionApp(variant, { onEvent, audience: 'my-api' });
    const s = await login(app);
    at(60);
    const rotated = await refreshWith(app, s.refresh);
    expect(rotated.status).toBe(204);
    const wrongAud = handToken(
      { alg: 'HS256', typ: 'JWT' },
      { sub: 'user-1', aud: 'other', iat: NOW, exp: NOW + 600 },
      { hmac: SECRET },
    );
    expect((await withBearer(app, wrongAud)).status).toBe(401);
    expect((await request(app).get('/required')).status).toBe(401);
    expect((await request(app).get('/admin').set('Authorization', `Bearer ${s.access}`)).status).toBe(403);
    expect((await request(app).post('/auth/logout').set('Cookie', `jwt=${s.access}`)).status).toBe(204);
    // Express knows the route once it routed the request, Fastify before its first hook; this Koa app has no router.
    const where = (path: string) => ({
      method: 'GET',
      path,
      ...(variant.framework === 'koa' ? {} : { route: path }),
    });
    expect(events).toEqual([
      { type: 'signed-in', sub: 'user-1' },
      { type: 'refreshed', sub: 'user-1' },
      // The signature held: the subject is the token's own.
      {
        type: 'refused',
        code: 'ERR_CLAIM_INVALID',
        status: 401,
        claim: 'aud',
        sub: 'user-1',
        ...where('/required'),
      },
      { type: 'refused', code: 'ERR_TOKEN_MISSING', status: 401, claim: undefined, ...where('/required') },
      {
        type: 'refused',
        code: 'ERR_FORBIDDEN',
        status: 403,
        claim: undefined,
        sub: 'user-1',
        ...where('/admin'),
      },
      { type: 'signed-out', sub: 'user-1', everywhere: false },
    ]);
    expect(JSON.stringify(events)).not.toContain(s.access.split('.')[2]);
  });

  it('refresh-token reuse is heard: the stolen token came back', async () => {
    const { events, onEvent } = heard();
    const { app } = sessionApp(variant, { onEvent });
    const s = await login(app);
    expect((await refreshWith(app, s.refresh)).status).toBe(204);
    expect((await refreshWith(app, s.refresh)).status).toBe(401);
    expect(events).toContainEqual({ type: 'refresh-reuse', sub: 'user-1' });
    expect(events.at(-1)).toEqual({
      type: 'refused',
      code: 'ERR_TOKEN_REVOKED',
      status: 401,
      claim: undefined,
      sub: 'user-1',
      method: 'POST',
      path: '/auth/refresh',
      // Fastify's refreshHandler is a route handler: its route is known.
      ...(variant.framework === 'fastify' ? { route: '/auth/refresh' } : {}),
    });
  });
});

describe('outages', () => {
  it('a store that goes down and comes back: one event each way, however many requests', async () => {
    const { events, onEvent } = heard();
    const inner = memoryStore();
    let down = false;
    const flaky: SessionStore = {
      ...inner,
      status: (ids, sub) => {
        if (down) throw new Error('store down');
        return inner.status(ids, sub);
      },
      revoke: inner.revoke,
      revokeSubject: inner.revokeSubject,
      useOnce: inner.useOnce,
    };
    const auth = createAuth({ key: hs256(SECRET), store: flaky, onEvent });
    const token = await auth.issue({ sub: 'user-1' });
    await auth.verify(token);
    down = true;
    for (let i = 0; i < 3; i++)
      await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    down = false;
    await auth.verify(token);
    await auth.verify(token);
    expect(events.map((e) => e.type)).toEqual([
      'store-unavailable',
      'refused',
      'refused',
      'refused',
      'store-recovered',
    ]);
    expect(events[0]).toMatchObject({ type: 'store-unavailable', error: new Error('store down') });
  });

  it.each([
    [
      'an Error with a command, a cause and a numeric code',
      Object.assign(new Error('store down', { cause: new Error('user-1') }), {
        command: { name: 'EVAL', args: ['user-1'] },
        code: 7,
      }),
      { name: 'Error', message: 'store down' },
    ],
    [
      'an Error whose cause has the string code',
      Object.assign(
        new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
      ),
      { name: 'TypeError', message: 'fetch failed', code: 'ECONNRESET' },
    ],
    [
      'a string naming the subject',
      'store down for user-1',
      { name: 'Error', message: 'jwt-gate: the dependency failed with a value that is not an Error' },
    ],
    [
      'an object whose message getter throws',
      {
        get message(): string {
          throw new Error('user-1');
        },
      },
      { name: 'Error', message: 'jwt-gate: the dependency failed with an error that cannot be read' },
    ],
  ])(
    'a store that throws %s: the event has only a name, a message and a string code',
    async (_name, thrown, shown) => {
      const { events, onEvent } = heard();
      const inner = memoryStore();
      const failing: SessionStore = {
        ...inner,
        status: () => {
          throw thrown;
        },
        revoke: inner.revoke,
        revokeSubject: inner.revokeSubject,
        useOnce: inner.useOnce,
      };
      const auth = createAuth({ key: hs256(SECRET), store: failing, onEvent });
      const err = await auth.verify(await auth.issue({ sub: 'user-1' })).catch((e: unknown) => e);
      expect(isAuthError(err) && err.code).toBe('ERR_STORE_UNAVAILABLE');
      expect((err as Error).cause).toBe(thrown);
      const down = events[0] as Extract<AuthEvent, { type: 'store-unavailable' }>;
      expect(down.type).toBe('store-unavailable');
      expect(down.error).toBeInstanceOf(Error);
      expect(JSON.parse(JSON.stringify(down.error))).toEqual(shown);
      expect(down.error.stack).toBe(`${shown.name}: ${shown.message}`);
      expect(down.error).not.toHaveProperty('cause');
      expect(Object.isFrozen(down.error)).toBe(true);
    },
  );

  it('a key set that cannot be reached: keys-unavailable, then keys-recovered', async () => {
    const { createServer } = await import('node:http');
    const { createPrivateKey, createPublicKey, sign } = await import('node:crypto');
    const privateKey = createPrivateKey(fixture('test-only-rsa-2048-private.pem'));
    const jwk = {
      ...createPublicKey(privateKey).export({ format: 'jwk' }),
      kid: 'k1',
      alg: 'RS256',
      use: 'sig',
    };
    let up = false;
    const server = createServer((_req, res) => {
      if (!up) return void res.writeHead(500).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const { events, onEvent } = heard();
      const auth = createAuth({
        key: jwks({ url: `http://127.0.0.1:${port}/jwks.json`, cooldownDuration: 0 }),
        onEvent,
        store: false,
      });
      const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')}`;
      const token = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
      await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
      await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
      up = true;
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'u' });
      expect(events.map((e) => e.type)).toEqual(['keys-unavailable', 'refused', 'refused', 'keys-recovered']);
    } finally {
      server.close();
    }
  });

  it('a fetched key set with a key it cannot trust: key-skipped with its kid and reason, never the key', async () => {
    const { createServer } = await import('node:http');
    const { createPublicKey } = await import('node:crypto');
    const { n } = createPublicKey(fixture('test-only-rsa-2048-public.pem')).export({ format: 'jwk' });
    const good = { kty: 'RSA', n, e: 'AQAB', kid: 'good', alg: 'RS256', use: 'sig' };
    const server = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [{ ...good, kid: 'e1', e: 'AQ' }, good] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const { events, onEvent } = heard();
      const auth = createAuth({ key: jwks({ url: `http://127.0.0.1:${port}/jwks.json` }), onEvent });
      const signer = createAuth({
        key: rs256({ privateKey: fixture('test-only-rsa-2048-private.pem'), kid: 'good' }),
      });
      for (let i = 0; i < 3; i++) await auth.verify(await signer.issue({ sub: 'u' }));
      expect(events).toEqual([{ type: 'key-skipped', kid: 'e1', reason: 'weak' }]);
      expect(JSON.stringify(events)).not.toContain(n!.slice(0, 40));
    } finally {
      server.close();
    }
  });

  it('a listener that throws never fails a request', async () => {
    const auth = createAuth({
      key: hs256(SECRET),
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    const warned: Error[] = [];
    const warn = (w: Error): void => void warned.push(w);
    process.on('warning', warn);
    try {
      await expect(auth.verify('a.b.c')).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(warned.map((w) => w.message)).toContain('listener bug');
    } finally {
      process.off('warning', warn);
    }
  });
});
