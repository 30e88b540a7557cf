import { RSA } from './key-import.js';
import { keyPairProvider, withKeyFiles, type KeyPairOptions, type KeyPairProvider } from './key-pair.js';

/** An RSA key pair (2048 bits or more) for RS256. */
export type Rs256Options = KeyPairOptions;
/** RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3). */
export type Rs256 = KeyPairProvider<Rs256Options>;

/** RS256: a private RSA key signs, anyone with the public key verifies. `fromFiles` generates 2048-bit pairs. */
export const rs256: Rs256 = withKeyFiles(RSA, 'RS256', (options: Rs256Options) => keyPairProvider(RSA, 'RS256', options));
