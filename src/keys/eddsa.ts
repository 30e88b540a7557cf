import type { KeyFamily } from './key-import.js';
import { keyPairProvider, withKeyFiles, type KeyPairOptions, type KeyPairProvider } from './key-pair.js';
import type { KeyProvider } from './provider.js';

/** An Ed25519 key pair. */
export interface EddsaOptions extends KeyPairOptions {
  /**
   * The `alg` written into tokens and the JWK: `'EdDSA'` (RFC 8037), which deployed verifiers
   * understand, or `'Ed25519'` (RFC 9864). Tokens carrying either name verify. @default 'EdDSA'
   */
  readonly alg?: 'EdDSA' | 'Ed25519';
}
/** EdDSA over Ed25519 (RFC 8037 §3.1, RFC 9864 §2.2). */
export type Eddsa = KeyPairProvider<EddsaOptions>;

// Ed448 is another algorithm (RFC 9864: Ed448) and X25519 a key-agreement key: neither is taken.
export const ED25519: KeyFamily = Object.freeze({
  provider: 'eddsa',
  label: 'Ed25519',
  types: Object.freeze(['ed25519']),
});

function createEddsa(options: EddsaOptions): KeyProvider {
  const alg = (options as Partial<EddsaOptions> | null | undefined)?.alg ?? 'EdDSA';
  if (alg !== 'EdDSA' && alg !== 'Ed25519')
    throw new TypeError('jwt-gate: eddsa "alg" must be "EdDSA" or "Ed25519"');
  return keyPairProvider(ED25519, alg, options, ['alg']);
}

/** EdDSA with Ed25519: the cheapest signatures here, 64 bytes; a private key signs, the public key verifies. */
export const eddsa: Eddsa = withKeyFiles(ED25519, 'EdDSA', createEddsa);
