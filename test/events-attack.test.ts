// onEvent attacked: a listener that fails in any way (asynchronously, or by throwing something that is
// not an Error) changes no answer and takes no process down; no event carries a token or a secret.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, keySet, type AuthEvent } from '../src/index.js';
import { variants } from './adapters/apps.js';
import { NOW, SECRET, handToken } from './helpers.js';
import {
  expectRefused,
  login,
  refreshWith,
  sessionApp,
  unhandledRejections,
  withBearer,
} from './support/sessions.js';

const escaped = unhandledRejections();
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe.each(variants)('$name', (variant) => {
  it('an async listener that rejects (a log shipper that is down): the same answers, no unhandled rejection', async () => {
    const { app } = sessionApp(variant, {
      // What a listener typed `(event) => void` may still be: an async function.
      onEvent: async () => Promise.reject(new Error('log shipper down')),
    });
    const s = await login(app);
    expect((await withBearer(app, s.access)).status).toBe(200);
    expectRefused(await withBearer(app, `${s.access}x`), 401, 'ERR_SIGNATURE_INVALID');
    expect(
      (await request(app).post('/auth/logout').set('Cookie', `jwt=${s.access}; jwt-refresh=${s.refresh}`))
        .status,
    ).toBe(204);
    await settle();
    expect(escaped).toEqual([]);
  });

  it('a listener that throws a value String() cannot convert: a bad token is still a 401, a guest still a guest', async () => {
    const { app } = sessionApp(variant, {
      onEvent: () => {
        throw Object.create(null) as unknown;
      },
    });
    expectRefused(await withBearer(app, 'a.b.c'), 401, 'ERR_TOKEN_MALFORMED');
    const guest = await request(app).get('/optional').set('Cookie', 'jwt=a.b.c');
    expect({ status: guest.status, authError: (guest.body as { authError?: unknown }).authError }).toEqual({
      status: 200,
      authError: 'ERR_TOKEN_MALFORMED',
    });
  });

  it('no event carries a token, a secret, or what an attacker wrote into a token; a subject only once its signature held', async () => {
    const events: AuthEvent[] = [];
    const { app, at } = sessionApp(variant, {
      onEvent: (event) => void events.push(event),
      requiredClaims: ['tenant'],
    });
    const s = await login(app);
    const planted = 'ATTACKER-TEXT-7f3a';
    const forged = [
      // Signed with the app's key: a subject the app itself issued (a user name of the user's choosing).
      handToken(
        { alg: 'HS256', typ: 'JWT', kid: planted },
        { sub: planted, iat: NOW, exp: NOW + 600 },
        { hmac: SECRET },
      ),
      handToken(
        { alg: 'HS256', typ: planted },
        { sub: 'user-1', iat: NOW, exp: NOW + 600, tenant: 't' },
        { hmac: SECRET },
      ),
      handToken(
        { alg: 'HS256', typ: 'JWT' },
        { sub: planted, iat: NOW, exp: NOW + 600, [planted]: planted },
        { hmac: `${SECRET}-not-ours` },
      ),
      handToken({ alg: planted, typ: 'JWT' }, { sub: planted }, { signature: planted }),
    ];
    for (const token of forged)
      expect((await withBearer(app, token).query({ token, [planted]: planted })).status).toBe(401);
    at(60);
    await refreshWith(app, s.refresh);
    await refreshWith(app, s.refresh);
    const refused = events.filter((e) => e.type === 'refused');
    // Only the token the app's own key signed names its subject; the forged ones name none.
    expect(refused.slice(0, 4).map((e) => e.sub)).toEqual([planted, undefined, undefined, undefined]);
    const heard = JSON.stringify(events.map((e) => ({ ...e, sub: undefined })));
    expect(events.length).toBeGreaterThan(forged.length - 1);
    expect(heard).not.toContain(planted);
    expect(heard).not.toContain(SECRET);
    expect(heard).not.toContain('?');
    for (const token of [...forged, s.access, s.refresh]) expect(heard).not.toContain(token.split('.')[2]);
  });
});

describe('the core API', () => {
  it('a kid an attacker chose, unknown to the key set, is refused with its code and nothing of it in the event', async () => {
    const events: AuthEvent[] = [];
    const auth = createAuth({
      key: keySet([hs256({ secret: SECRET, kid: 'a' })], { active: 'a' }),
      onEvent: (event) => void events.push(event),
    });
    const token = handToken(
      { alg: 'HS256', typ: 'JWT', kid: 'kid-\u202e-planted' },
      { sub: 'x', iat: NOW, exp: NOW + 600 },
      { hmac: SECRET },
    );
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    expect(events).toEqual([{ type: 'refused', code: 'ERR_KEY_NOT_FOUND', status: 401, claim: undefined }]);
  });
});
