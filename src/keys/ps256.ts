import { pssParametersFit } from '../jws/jwa.js';
import { checkRsaKey, type KeyFamily } from './key-import.js';
import { keyPairProvider, withKeyFiles, type KeyPairOptions, type KeyPairProvider } from './key-pair.js';

/** An RSA or RSA-PSS key pair (2048 bits or more) for PS256. */
export type Ps256Options = KeyPairOptions;
/** RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 7518 §3.5). */
export type Ps256 = KeyPairProvider;

export const RSA_PSS: KeyFamily = Object.freeze<KeyFamily>({
  provider: 'ps256',
  label: 'RSA',
  types: Object.freeze(['rsa', 'rsa-pss']),
  check(key, fail) {
    checkRsaKey(key);
    // An RSA-PSS key may be restricted to one hash and a least salt length; OpenSSL would refuse it on every request.
    if (!pssParametersFit(key))
      throw fail(
        'is an RSA-PSS key restricted to other parameters than SHA-256, MGF1-SHA-256 and a 32-byte salt',
      );
  },
});

/**
 * PS256: RSA-PSS signatures, which (unlike RS256's) are randomised and have a security proof. A
 * plain RSA key or an RSA-PSS one; `fromFiles` generates RSA-PSS pairs restricted to PS256's parameters.
 */
export const ps256: Ps256 = withKeyFiles(RSA_PSS, 'PS256', (options: Ps256Options) =>
  keyPairProvider(RSA_PSS, 'PS256', options),
);
