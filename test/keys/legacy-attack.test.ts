// A legacy key beside the active one, attacked: alg confusion between them, a kid-less token reaching a
// third key, and the verified-token cache in front of the second try.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, keySet, rs256 } from '../../src/index.js';
import { NOW, b64, fixedNow, fixture } from '../helpers.js';

const claims = { sub: 'legacy-user', iat: NOW, exp: NOW + 600 };
const hmacToken = (alg: string, hash: string, secret: string | Buffer, header: object = {}): string => {
  const input = `${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
};
const OLD = 'the-old-systems-secret-0123456789abcdef-0123456789abcdef-0123456789';
const publicPem = fixture('test-only-rsa-2048-public.pem');

describe('active RS256, legacy HS512', () => {
  const auth = createAuth({
    key: keySet(
      [
        rs256({ privateKey: fixture('test-only-rsa-2048-private.pem'), kid: 'now' }),
        hs256({ secret: OLD, kid: 'old', alg: 'HS512' }),
      ],
      { active: 'now', legacy: 'old' },
    ),
    now: fixedNow,
    store: false,
  });

  it('an HMAC keyed with the active RSA public key (the classic confusion) verifies under no name', async () => {
    for (const [alg, hash] of [
      ['HS256', 'sha256'],
      ['HS512', 'sha512'],
    ] as const) {
      for (const header of [{}, { kid: 'now' }, { kid: 'old' }]) {
        const refused = await auth
          .verify(hmacToken(alg, hash, publicPem, header))
          .catch((err: unknown) => (err as { code?: string }).code);
        expect(
          ['ERR_SIGNATURE_INVALID', 'ERR_ALG_NOT_ALLOWED'],
          `${alg} ${JSON.stringify(header)}`,
        ).toContain(refused);
      }
    }
  });

  it('the legacy key verifies its own algorithm only, kid-less or named, and a hit in the cache changes nothing', async () => {
    const token = hmacToken('HS512', 'sha512', OLD);
    for (let i = 0; i < 3; i++)
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'legacy-user' });
    await expect(auth.verify(hmacToken('HS512', 'sha512', OLD, { kid: 'old' }))).resolves.toMatchObject({
      sub: 'legacy-user',
    });
    await expect(auth.verify(hmacToken('HS256', 'sha256', OLD))).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
    });
    await expect(auth.verify(hmacToken('HS512', 'sha512', OLD, { kid: 'now' }))).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
    });
  });

  it('a cached legacy token’s signature never vouches for another header or payload', async () => {
    const token = hmacToken('HS512', 'sha512', OLD);
    await auth.verify(token);
    const [, payload, signature] = token.split('.') as [string, string, string];
    await expect(
      auth.verify(`${b64({ alg: 'HS512', typ: 'JWT', kid: 'old' })}.${payload}.${signature}`),
    ).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    await expect(
      auth.verify(`${b64({ alg: 'HS512', typ: 'JWT' })}.${b64({ ...claims, sub: 'admin' })}.${signature}`),
    ).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
  });
});
