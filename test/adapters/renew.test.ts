// Sliding sessions: an active user's cookie is renewed past half its life, until maxAge after login.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, type AuthOptions } from '../../src/index.js';
import { NOW, NOW_MS, SECRET } from '../helpers.js';
import { variants } from './apps.js';

const payloadOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const setCookies = (res: request.Response): string[] =>
  (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
const tokenIn = (cookie: string): string => /^jwt=([^;]*)/.exec(cookie)![1]!;

describe.each(variants)('$name', ({ build }) => {
  let clock = NOW_MS;
  const options: AuthOptions = {
    key: hs256(SECRET),
    expiresIn: '1h',
    renew: { after: 0.5, maxAge: '3h' },
    now: () => clock,
  };
  const app = build(createAuth(options));
  const login = async (): Promise<string> => {
    clock = NOW_MS;
    return tokenIn(setCookies(await request(app).post('/login'))[0]!);
  };
  const visit = (token: string, minutes: number): request.Test => {
    clock = NOW_MS + minutes * 60_000;
    return request(app).get('/required').set('Cookie', `jwt=${token}`);
  };

  it('sets no new cookie before half the lifetime', async () => {
    const token = await login();
    expect(payloadOf(token)).toMatchObject({ auth_time: NOW, iat: NOW, exp: NOW + 3600 });
    const res = await visit(token, 29);
    expect(res.status).toBe(200);
    expect(setCookies(res)).toEqual([]);
  });

  it('renews past half the lifetime, keeping the login time', async () => {
    const token = await login();
    const res = await visit(token, 31);
    expect(res.status).toBe(200);
    const [cookie] = setCookies(res);
    expect(cookie).toMatch(/; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/);
    const renewed = payloadOf(tokenIn(cookie!));
    expect(renewed).toMatchObject({
      sub: 'user-1',
      role: 'member',
      auth_time: NOW,
      iat: NOW + 31 * 60,
      exp: NOW + 31 * 60 + 3600,
    });
    expect(renewed.jti).not.toBe(payloadOf(token).jti);
  });

  it('ends the last renewal at maxAge after login, then renews no more', async () => {
    let token = await login();
    for (const minutes of [40, 80, 120]) {
      const [cookie] = setCookies(await visit(token, minutes));
      token = tokenIn(cookie!);
    }
    // Renewed at 120 min for its full hour, which ends exactly 3 h after login.
    expect(payloadOf(token)).toMatchObject({ auth_time: NOW, iat: NOW + 120 * 60, exp: NOW + 180 * 60 });
    const late = await visit(token, 160);
    expect(late.status).toBe(200);
    expect(setCookies(late)).toEqual([]);
    expect((await visit(token, 180)).status).toBe(401);
  });

  it('caps a renewal at maxAge after login', async () => {
    const short = build(createAuth({ ...options, renew: { maxAge: '90m' } }));
    clock = NOW_MS;
    const token = tokenIn(setCookies(await request(short).post('/login'))[0]!);
    clock = NOW_MS + 40 * 60_000;
    const [cookie] = setCookies(await request(short).get('/required').set('Cookie', `jwt=${token}`));
    expect(cookie).toContain('; Max-Age=3000;');
    expect(payloadOf(tokenIn(cookie!))).toMatchObject({ auth_time: NOW, exp: NOW + 90 * 60 });
  });

  it('never renews a Bearer token: the client that holds it manages it', async () => {
    const token = await login();
    clock = NOW_MS + 31 * 60_000;
    const res = await request(app).get('/required').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(setCookies(res)).toEqual([]);
  });

  it('refuses a renew set-up it cannot honour, at createAuth', () => {
    expect(() => createAuth({ ...options, renew: { after: 1.5, maxAge: '3h' } })).toThrow(/"renew.after"/);
    expect(() => createAuth({ ...options, renew: {} as never })).toThrow(/"renew.maxAge"/);
  });
});
