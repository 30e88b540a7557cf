// The issuer/verifier example over real loopback HTTP: B trusts only A's JWKS URL.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VERIFIER_COOLDOWN_MS,
  createIssuer,
  createVerifier,
  type Issuer,
} from '../examples/issuer-verifier.js';

describe('examples/issuer-verifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwt-gate-iv-'));
  let issuer: Issuer;
  let server: Server;
  let verifier: ReturnType<typeof createVerifier>;
  let jwksUrl: string;

  beforeAll(async () => {
    issuer = await createIssuer(dir);
    server = issuer.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    verifier = createVerifier(jwksUrl);
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const login = async (): Promise<string> =>
    (
      await request(issuer.app)
        .post('/login')
        .send({ email: 'ada@example.com', password: 'correct horse' })
        .expect(200)
    ).body.token as string;
  const orders = (token?: string): request.Test => {
    const call = request(verifier).get('/orders');
    return token ? call.set('Authorization', `Bearer ${token}`) : call;
  };

  it('B accepts A’s tokens, and keeps accepting old and new ones through a rotation', async () => {
    const before = await login();
    expect((await orders(before)).status).toBe(200);
    expect((await orders()).status).toBe(401);
    expect(
      (
        await request(issuer.app)
          .post('/login')
          .send({ email: 'ada@example.com', password: 'wrong password' })
      ).status,
    ).toBe(401);

    const first = issuer.activeKid();
    const kid = issuer.addKey();
    const published = await request(issuer.app).get('/.well-known/jwks.json');
    expect(published.headers['cache-control']).toBe('public, max-age=60');
    expect(published.body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([first, kid].sort());
    expect(issuer.activeKid()).toBe(first);

    await new Promise((resolve) => setTimeout(resolve, VERIFIER_COOLDOWN_MS + 100));
    issuer.activate(kid);
    const after = await login();
    expect(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString())).toMatchObject({
      alg: 'RS256',
      kid,
    });
    const res = await orders(after);
    expect(res.status).toBe(200);
    expect(res.body.for).toMatchObject({ email: 'ada@example.com', iss: 'service-a', aud: 'shop' });
    expect((await orders(before)).status).toBe(200);
  });

  it("jose's createRemoteJWKSet accepts the published set and verifies A's tokens", async () => {
    const token = await login();
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl)), {
      issuer: 'service-a',
      audience: 'shop',
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: issuer.activeKid() });
    expect(payload).toMatchObject({ email: 'ada@example.com' });
  });
});
