import type { LegacyAlgorithm } from '../jws/jwa.js';
import { RSA } from './key-import.js';
import { keyPairProvider, withKeyFiles, type KeyPairOptions, type KeyPairProvider } from './key-pair.js';

/** An RSA key pair (2048 bits or more) for RS256. */
export interface Rs256Options extends KeyPairOptions {
  /** An older system's hash, opted into for this key alone: RS384 or RS512. Still one algorithm per key. @default 'RS256' */
  readonly alg?: 'RS256' | Extract<LegacyAlgorithm, 'RS384' | 'RS512'>;
}
/** RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3). */
export type Rs256 = KeyPairProvider<Rs256Options>;

const RSA_ALGS = new Set(['RS256', 'RS384', 'RS512']);

/** RS256: a private RSA key signs, anyone with the public key verifies. `fromFiles` generates 2048-bit pairs. */
export const rs256: Rs256 = withKeyFiles(RSA, 'RS256', (options: Rs256Options) => {
  const alg = options?.alg ?? 'RS256';
  if (!RSA_ALGS.has(alg)) throw new TypeError('jwt-gate: rs256 "alg" must be RS256, RS384 or RS512');
  return keyPairProvider(RSA, alg, options, ['alg']);
});
