// A consumer of the published package, with no framework. scripts/check-types.mjs type-checks it (and
// express.ts, koa.ts, fastify.ts, passport.ts beside it) against the packed tarball in fresh projects, as ESM and CommonJS, under each
// module resolution and @types/node major supported; test/packaging.test.ts does a quicker round of the same,
// and `npm run typecheck` checks these files against the sources. Only compiled, never run. Wrong on purpose
// where marked: were a public type to degrade to `any`, the @ts-expect-error line would fail.
import type { KeyObject } from 'node:crypto';
import { createAuth, hs256, rs256, type Auth, type Claims, type Jwk, type RsaKeyInput } from 'jwt-gate';

export const auth: Auth = createAuth({ key: hs256('x'.repeat(32)), expiresIn: '5m' });

export async function roundTrip(): Promise<string | undefined> {
  const token: string = await auth.issue({ sub: 'a', role: 'admin' });
  const claims: Claims = await auth.verify(token);
  // @ts-expect-error `key` is required
  createAuth({});
  return claims.sub;
}
// @ts-expect-error issue resolves to a string
export const wrong: Promise<number> = auth.issue({ sub: 'a' });

// Key inputs are the shapes a key comes in, never `any`, and need nothing that @types/node stopped exporting.
declare const keyObject: KeyObject;
export const exported: Jwk = keyObject.export({ format: 'jwk' }); // as this @types/node version types it
export const written: Jwk = { kty: 'RSA', n: '0vx7agoebGcQSuu', e: 'AQAB', kid: 'k1', key_ops: ['verify'] };
export const inputs: readonly RsaKeyInput[] = [
  '-----BEGIN PUBLIC KEY-----',
  new Uint8Array(0),
  written,
  exported,
  keyObject,
];
// @ts-expect-error a number is no key
export const notAKey: RsaKeyInput = 42;
// @ts-expect-error JWK members are strings
export const numericMember: Jwk = { kty: 'RSA', n: 1, e: 'AQAB' };
export const verifier = (publicKey: RsaKeyInput): Auth => createAuth({ key: rs256({ publicKey }) });
