import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

// The test suite's keys: never generated per run, so every run signs and verifies the same bytes.
const pem = (name: string): string =>
  readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), 'utf8');

/** 44 ASCII bytes: over the 32-byte minimum of RFC 7518 §3.2, the way apps pass `JWT_SECRET`. */
export const SECRET = 'bench-only-secret-0123456789abcdef-012345678';
export const PRIVATE_PEM: string = pem('test-only-rsa-2048-private.pem');
export const PUBLIC_PEM: string = pem('test-only-rsa-2048-public.pem');

export const EC_PRIVATE_PEM: string = pem('test-only-ec-p256-private.pem');
export const EC_PUBLIC_PEM: string = pem('test-only-ec-p256-public.pem');
export const ED25519_PRIVATE_PEM: string = pem('test-only-ed25519-private.pem');
export const ED25519_PUBLIC_PEM: string = pem('test-only-ed25519-public.pem');

/** Keys imported once, as every peer is set up in its fastest documented way. */
export const keys: {
  readonly secret: KeyObject;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly ec: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  readonly ed25519: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
} = {
  secret: createSecretKey(Buffer.from(SECRET)),
  privateKey: createPrivateKey(PRIVATE_PEM),
  publicKey: createPublicKey(PUBLIC_PEM),
  ec: { privateKey: createPrivateKey(EC_PRIVATE_PEM), publicKey: createPublicKey(EC_PUBLIC_PEM) },
  ed25519: {
    privateKey: createPrivateKey(ED25519_PRIVATE_PEM),
    publicKey: createPublicKey(ED25519_PUBLIC_PEM),
  },
};

export const ISSUER = 'https://auth.bench.example';
export const AUDIENCE = 'bench-api';

/** The claims every library signs: `{ sub, role, iat, exp +1h, iss, aud }`. */
export function payload(nowSeconds: number = Math.floor(Date.now() / 1000)): {
  sub: string;
  role: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
} {
  return {
    sub: 'user-4242',
    role: 'member',
    iat: nowSeconds,
    exp: nowSeconds + 3600,
    iss: ISSUER,
    aud: AUDIENCE,
  };
}
