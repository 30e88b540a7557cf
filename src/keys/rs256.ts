import { createPublicKey, type KeyObject } from 'node:crypto';
import { loadOrCreateKeyFiles, type KeyFilesOptions } from './key-files.js';
import { checkKnownKeys } from '../known-keys.js';
import { checkKid, singleKeyProvider, type KeyProvider, type PublicJwk } from './provider.js';
import { importRsaKey, samePublicKey, type RsaKeyInput } from './rsa-import.js';

export interface Rs256Options {
  /** Signs tokens; leave it out on a service that only verifies. */
  readonly privateKey?: RsaKeyInput;
  /** Verifies tokens; derived from `privateKey` when left out. */
  readonly publicKey?: RsaKeyInput;
  /** Written to the token header, published in the JWK Set, and matched on verify. */
  readonly kid?: string;
}

export interface Rs256 {
  /** RSASSA-PKCS1-v1_5 with SHA-256: a private key signs, anyone with the public key verifies. */
  (options: Rs256Options): KeyProvider;
  /**
   * Loads `private.pem` and `public.pem` from `dir`, or on first start generates a 2048-bit
   * pair there (private key mode 0600): both files or neither, one pair for processes that
   * start together. Existing files are never overwritten.
   */
  fromFiles(options: KeyFilesOptions): KeyProvider;
}

function toPublicJwk(key: KeyObject, kid: string | undefined): PublicJwk {
  const { n, e } = key.export({ format: 'jwk' });
  if (typeof n !== 'string' || typeof e !== 'string') throw new TypeError('jwt-gate: RSA key could not be exported');
  return Object.freeze({ kty: 'RSA', n, e, alg: 'RS256', use: 'sig', ...(kid === undefined ? {} : { kid }) });
}

function createRs256(options: Rs256Options): KeyProvider {
  if (typeof options !== 'object' || options === null) throw new TypeError('jwt-gate: rs256 needs { privateKey?, publicKey? }');
  checkKnownKeys(options, ['privateKey', 'publicKey', 'kid'], 'rs256');
  const kid = checkKid(options.kid);
  const privateKey = options.privateKey === undefined ? undefined : importRsaKey(options.privateKey, 'private');
  let publicKey: KeyObject;
  if (options.publicKey !== undefined) {
    publicKey = importRsaKey(options.publicKey, 'public');
    if (privateKey && !samePublicKey(createPublicKey(privateKey), publicKey)) {
      throw new TypeError('jwt-gate: rs256 publicKey does not belong to privateKey');
    }
  } else if (privateKey) {
    publicKey = createPublicKey(privateKey);
  } else {
    throw new TypeError('jwt-gate: rs256 needs a publicKey, a privateKey, or both');
  }
  const verifying = Object.freeze({ alg: 'RS256' as const, key: publicKey, kid });
  const signing = privateKey && Object.freeze({ alg: 'RS256' as const, key: privateKey, kid });
  return singleKeyProvider(verifying, signing, Object.freeze([toPublicJwk(publicKey, kid)]));
}

export const rs256: Rs256 = Object.assign(createRs256, {
  fromFiles(options: KeyFilesOptions): KeyProvider {
    const { privateKeyPem, publicKeyPem, kid } = loadOrCreateKeyFiles(options);
    return createRs256({ privateKey: privateKeyPem, publicKey: publicKeyPem, ...(kid === undefined ? {} : { kid }) });
  },
});
