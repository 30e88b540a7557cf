import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from '../jws/jwa.js';
import { checkKnownKeys } from '../validate.js';
import { samePublicKey, toPublicJwk } from './jwk.js';
import { loadOrCreateKeyFiles, type KeyFilesOptions } from './key-files.js';
import { importKey, keyError, type KeyFamily, type KeyInput } from './key-import.js';
import { checkKid, singleKeyProvider, type KeyProvider } from './provider.js';

/** One asymmetric key pair, or either half of it. */
export interface KeyPairOptions {
  /** Signs tokens; leave it out on a service that only verifies. */
  readonly privateKey?: KeyInput;
  /** Verifies tokens; derived from `privateKey` when left out. */
  readonly publicKey?: KeyInput;
  /** Written to the token header, published in the JWK Set, and matched on verify. */
  readonly kid?: string;
}

/** A provider of one asymmetric key pair: `rs256`, `ps256`, `es256`, `eddsa`. */
export interface KeyPairProvider<O extends KeyPairOptions = KeyPairOptions> {
  /** A private key signs, anyone with the public key verifies. */
  (options: O): KeyProvider;
  /**
   * Loads `private.pem` and `public.pem` from `dir`, or on first start generates a pair of the
   * provider's algorithm there (private key mode 0600): both files or neither, one pair for
   * processes that start together. Existing files are never overwritten.
   */
  fromFiles(options: KeyFilesOptions): KeyProvider;
}

const KNOWN = ['privateKey', 'publicKey', 'kid'] as const;

/** The provider of one pair of `family`, bound to `alg`; `extra` names options the caller has read. */
export function keyPairProvider(
  family: KeyFamily,
  alg: Algorithm,
  options: KeyPairOptions,
  extra: readonly string[] = [],
): KeyProvider {
  const name = family.provider;
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`jwt-gate: ${name} needs { privateKey?, publicKey? }`);
  checkKnownKeys(options, [...KNOWN, ...extra], name);
  const kid = checkKid(options.kid);
  const privateKey =
    options.privateKey === undefined ? undefined : importKey(options.privateKey, 'private', family);
  let publicKey: KeyObject;
  if (options.publicKey !== undefined) {
    publicKey = importKey(options.publicKey, 'public', family);
    if (privateKey && !samePublicKey(privateKey, publicKey))
      throw keyError(family, 'public', 'does not belong to privateKey');
  } else if (privateKey) {
    publicKey = createPublicKey(privateKey);
  } else {
    throw new TypeError(`jwt-gate: ${name} needs a publicKey, a privateKey, or both`);
  }
  const verifying = Object.freeze({ alg, key: publicKey, kid });
  const signing = privateKey && Object.freeze({ alg, key: privateKey, kid });
  return singleKeyProvider(verifying, signing, Object.freeze([toPublicJwk(publicKey, alg, kid)]));
}

/** `create` with its `fromFiles`, which generates a pair for `alg` on first start. */
export function withKeyFiles<O extends KeyPairOptions>(
  family: KeyFamily,
  alg: Algorithm,
  create: (options: O) => KeyProvider,
): KeyPairProvider<O> {
  return Object.assign(create, {
    fromFiles(options: KeyFilesOptions): KeyProvider {
      const { privateKeyPem, publicKeyPem, kid } = loadOrCreateKeyFiles(
        options,
        alg,
        `${family.provider}.fromFiles`,
      );
      return create({
        privateKey: privateKeyPem,
        publicKey: publicKeyPem,
        ...(kid === undefined ? {} : { kid }),
      } as O);
    },
  });
}
