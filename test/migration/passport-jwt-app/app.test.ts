// The passport-jwt app's own tests, run unchanged against it (before.ts) and against it migrated as
// docs/migrating-from-passport-jwt.md says (after.ts): the same requests, the same answers.
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OTHER_SECRET, SECRET } from '../../helpers.js';
import { createApp as before } from './before.js';
import { createApp as after } from './after.js';
import { deleteUser, findUserById, restoreUser } from './users.js';

describe.each([
  ['passport-jwt', before],
  ['migrated to jwt-gate', after],
])('the shop API (%s)', (_name, createApp) => {
  const app = createApp(SECRET);

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 0, 1));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function login(name: string, password: string): Promise<string> {
    const res = await request(app).post('/login').send({ name, password });
    expect(res.status).toBe(200);
    return (res.body as { token: string }).token;
  }
  const profile = (token: string, scheme = 'Bearer'): request.Test =>
    request(app).get('/profile').set('Authorization', `${scheme} ${token}`);

  it('answers /health without a token', async () => {
    expect((await request(app).get('/health')).body).toEqual({ ok: true });
  });

  it('refuses a wrong password', async () => {
    const res = await request(app).post('/login').send({ name: 'ada', password: 'nope' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'wrong name or password' });
  });

  it('shows the signed-in user their profile', async () => {
    const res = await profile(await login('ada', 'lovelace'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: '1', name: 'ada', role: 'admin' });
  });

  it('takes the scheme in any case', async () => {
    expect((await profile(await login('bob', 'builder'), 'bearer')).body).toMatchObject({ name: 'bob' });
  });

  it('refuses a request without a token', async () => {
    const res = await request(app).get('/profile');
    expect(res.status).toBe(401);
    expect(res.text).toBe('Unauthorized');
  });

  it('refuses garbage, another secret, another audience, another issuer', async () => {
    const forged = (secret: string, options: jwt.SignOptions): string =>
      jwt.sign({ sub: '1' }, secret, {
        expiresIn: '1h',
        issuer: 'shop.example',
        audience: 'shop-api',
        ...options,
      });
    for (const token of [
      'garbage',
      forged(OTHER_SECRET, {}),
      forged(SECRET, { audience: 'billing-api' }),
      forged(SECRET, { issuer: 'evil.example' }),
    ]) {
      const res = await profile(token);
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(token);
    }
  });

  it('refuses a token an hour old', async () => {
    const token = await login('ada', 'lovelace');
    vi.setSystemTime(Date.UTC(2026, 0, 1, 1, 0, 5));
    expect((await profile(token)).status).toBe(401);
  });

  it('refuses the token of a deleted account', async () => {
    const token = await login('bob', 'builder');
    const bob = (await findUserById('2'))!;
    deleteUser('2');
    try {
      expect((await profile(token)).status).toBe(401);
    } finally {
      restoreUser(bob);
    }
  });

  it('lets admins, and only them, see the stats', async () => {
    const admin = await login('ada', 'lovelace');
    const member = await login('bob', 'builder');
    const stats = (token: string): request.Test =>
      request(app).get('/admin/stats').set('Authorization', `Bearer ${token}`);
    expect((await stats(admin)).body).toEqual({ users: 2 });
    expect((await stats(member)).status).toBe(403);
  });
});
