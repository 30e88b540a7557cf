import type { KeyFamily } from './key-import.js';
import { keyPairProvider, withKeyFiles, type KeyPairOptions, type KeyPairProvider } from './key-pair.js';

/** An EC key pair on P-256 for ES256. */
export type Es256Options = KeyPairOptions;
/** ECDSA on P-256 with SHA-256 (RFC 7518 §3.4). */
export type Es256 = KeyPairProvider;

export const P256: KeyFamily = Object.freeze<KeyFamily>({
  provider: 'es256',
  label: 'EC P-256',
  types: Object.freeze(['ec']),
  check(key, fail) {
    // ES256 is P-256 alone; a P-384 or secp256k1 key is another algorithm (ES384, ES256K).
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') throw fail(`must be on curve P-256, not ${curve ?? 'unknown'}`);
  },
});

/** ES256: small keys and 64-byte signatures; a private P-256 key signs, the public key verifies. */
export const es256: Es256 = withKeyFiles(P256, 'ES256', (options: Es256Options) =>
  keyPairProvider(P256, 'ES256', options),
);
