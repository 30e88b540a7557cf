// Refresh tokens are addressed to the refresh endpoint alone (RFC 8725 §3.11): no access-token verifier takes one.
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, memoryStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { NOW, NOW_MS, SECRET, handToken } from '../helpers.js';
import { expectRefused, login, payloadOf, refreshWith, sessionApp, withBearer } from '../support/sessions.js';

const options = { issuer: 'https://id.example', audience: 'my-api' } as const;

describe('a refresh token elsewhere', () => {
  it('fails a verifier that checks only the signature, iss and its own audience (jose)', async () => {
    const auth = createAuth({ key: hs256(SECRET), ...options, refresh: { expiresIn: '30d' } });
    const { cookies, token: access } = await auth.startSession({ sub: 'user-1' });
    const refresh = /^jwt-refresh=([^;]+)/.exec(cookies.find((c) => c.startsWith('jwt-refresh='))!)![1]!;
    const key = new TextEncoder().encode(SECRET);
    await expect(jwtVerify(access, key, options)).resolves.toMatchObject({ payload: { sub: 'user-1' } });
    await expect(jwtVerify(refresh, key, options)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'aud',
    });
    expect(payloadOf(refresh).aud).toBe('jwt-gate:refresh');
  });

  it('fails another jwt-gate verifier of the same key, even one with no audience set', async () => {
    const auth = createAuth({ key: hs256(SECRET), ...options, refresh: { expiresIn: '30d' } });
    const { cookies } = await auth.startSession({ sub: 'user-1' });
    const refresh = /^jwt-refresh=([^;]+)/.exec(cookies.find((c) => c.startsWith('jwt-refresh='))!)![1]!;
    await expect(createAuth({ key: hs256(SECRET), ...options }).verify(refresh)).rejects.toMatchObject({
      code: 'ERR_CLAIM_INVALID',
    });
    await expect(createAuth({ key: hs256(SECRET) }).verify(refresh)).rejects.toMatchObject({
      code: 'ERR_CLAIM_INVALID',
      claim: 'typ',
    });
  });
});

describe.each(variants)('$name', (variant) => {
  it('refresh works with an audience set, and a refresh token is no Bearer token', async () => {
    const { app } = sessionApp(variant, options);
    const s = await login(app);
    expect(payloadOf(s.access).aud).toBe('my-api');
    expectRefused(await withBearer(app, s.refresh), 401, 'ERR_CLAIM_INVALID');
    expect((await refreshWith(app, s.refresh)).status).toBe(204);
  });

  it('a refresh-typed token addressed to the app’s audience is refused at the refresh endpoint', async () => {
    const { app } = sessionApp(variant, options, (now) => memoryStore({ now }));
    const claims = {
      sub: 'user-1',
      sid: 's',
      jti: 'j',
      iat: NOW,
      exp: NOW + 3600,
      iss: options.issuer,
      aud: options.audience,
    };
    const forged = handToken({ alg: 'HS256', typ: 'refresh+jwt' }, claims, { hmac: SECRET });
    expectRefused(await refreshWith(app, forged), 401, 'ERR_CLAIM_INVALID');
    expect(NOW_MS).toBe(NOW * 1000);
  });
});
