import { createPublicKey } from 'node:crypto';
import { verifiableAs, type Algorithm } from '../jws/jwa.js';
import type { JwsHeader } from '../jws/jws.js';
import { checkKnownKeys } from '../validate.js';
import { eddsa } from './eddsa.js';
import { es256 } from './es256.js';
import { loadKeyDir, type KeyDirEntry, type KeyDirOptions } from './key-dir.js';
import type { KeyPairProvider } from './key-pair.js';
import type { BoundKey, KeyProvider, PublicJwk } from './provider.js';
import { ps256 } from './ps256.js';
import { rs256 } from './rs256.js';

/** Which key of a `keySet` signs, and which verify tokens that name none. */
export interface KeySetOptions {
  /** The `kid` that `issue` signs with, and the key a token without `kid` is checked against. */
  readonly active: string;
  /**
   * The `kid`s of older keys that a token without `kid` is checked against, in this order, when the
   * active key does not verify it: tokens of a system that never named its keys (koa-jwt's
   * `secret: [a, b, c]` is `{ active: 'a', legacy: ['b', 'c'] }`). Only these, never every key.
   */
  readonly legacy?: string | readonly string[];
}

/** `keySet` itself: call it with providers, or load a folder of key pairs with `fromFiles`. */
export interface KeySet {
  /** Several keys told apart by `kid`, for rotation: sign with the active one, verify with any. */
  (providers: readonly KeyProvider[], options: KeySetOptions): KeyProvider;
  /**
   * Every `<kid>.private.pem` (signs and verifies) and `<kid>.public.pem` (verifies only) in `dir`,
   * each used for the algorithm its key type says (RSA: RS256, RSA-PSS: PS256, P-256: ES256,
   * Ed25519: EdDSA); on first start, one generated pair (`alg`). See docs/many-services.md, "Rotating keys".
   */
  fromFiles(options: KeyDirOptions): KeyProvider;
}

const NONE: readonly BoundKey[] = Object.freeze([]);

interface Member {
  readonly key: BoundKey;
  readonly provider: KeyProvider;
}

function createKeySet(providers: readonly KeyProvider[], options: KeySetOptions): KeyProvider {
  // Through `unknown`: Array.isArray would narrow the readonly array to any[].
  const list: unknown = providers;
  if (!Array.isArray(list) || providers.length === 0)
    throw new TypeError('jwt-gate: keySet needs a non-empty array of key providers');
  if (typeof options !== 'object' || options === null)
    throw new TypeError('jwt-gate: keySet needs { active }');
  checkKnownKeys(options, ['active', 'legacy'], 'keySet');
  // A Map, not an object: a token's kid is looked up as data, so "__proto__" or "toString" find nothing.
  const byKid = new Map<string, Member>();
  for (const provider of providers) {
    if (!provider?.keys)
      // A fetched set's kids are unknown until it is fetched, and another issuer's keys must verify its
      // tokens alone, never the app's: it is an entry of issuers, not a member here.
      throw new TypeError(
        "jwt-gate: keySet members must hold their keys (hs256, rs256, ps256, es256, eddsa or keySet): a jwks() or oidc() set is another issuer's: list it in createAuth's issuers: [{ issuer, key, audience }]",
      );
    for (const key of provider.keys) {
      if (key.kid === undefined) throw new TypeError('jwt-gate: every key in a keySet needs a kid');
      if (byKid.has(key.kid)) throw new TypeError(`jwt-gate: duplicate kid "${key.kid}" in keySet`);
      byKid.set(key.kid, { key, provider });
    }
  }
  const active = byKid.get(options.active);
  if (typeof options.active !== 'string' || active === undefined) {
    throw new TypeError(`jwt-gate: keySet "active" must be one of the kids: ${[...byKid.keys()].join(', ')}`);
  }
  const legacyKids: readonly unknown[] =
    options.legacy === undefined ? [] : Array.isArray(options.legacy) ? options.legacy : [options.legacy];
  const legacy = legacyKids.map((kid) => (typeof kid === 'string' ? byKid.get(kid) : undefined));
  if (
    (options.legacy !== undefined && legacy.length === 0) ||
    legacy.some((member, i) => member === undefined || member === active || legacy.indexOf(member) !== i)
  ) {
    throw new TypeError(
      `jwt-gate: keySet "legacy" must be one or more of the kids other than the active one, each once: ${[...byKid.keys()].join(', ')}`,
    );
  }
  const legacyKeys: readonly BoundKey[] = Object.freeze(legacy.map((member) => (member as Member).key));
  const algorithms: readonly Algorithm[] = Object.freeze([
    ...new Set([...byKid.values()].flatMap((m) => verifiableAs(m.key.alg))),
  ]);
  const jwks: readonly PublicJwk[] = Object.freeze(providers.flatMap((p) => p.publicJwks?.() ?? []));
  const keys: readonly BoundKey[] = Object.freeze([...byKid.values()].map((m) => m.key));

  return Object.freeze({
    algorithms,
    keys,
    // Exact kid match only; no kid means the active key, never "try every key".
    verifyKey: (header: JwsHeader): BoundKey | undefined =>
      (header.kid === undefined ? active : byKid.get(header.kid))?.key,
    ...(legacyKeys.length === 0
      ? {}
      : {
          fallbackKeys: (header: JwsHeader): readonly BoundKey[] =>
            header.kid === undefined ? legacyKeys : NONE,
        }),
    signingKey(kid?: string): BoundKey | undefined {
      const member = kid === undefined ? active : byKid.get(kid);
      return member?.provider.signingKey?.(member.key.kid);
    },
    publicJwks: (): readonly PublicJwk[] => jwks,
  });
}

// A key file says what it is for: the key type decides the provider, as it decides the algorithm.
const BY_TYPE: Readonly<Record<string, KeyPairProvider>> = {
  rsa: rs256,
  'rsa-pss': ps256,
  ec: es256,
  ed25519: eddsa,
};

function pairProvider({ kid, privateKeyPem, publicKeyPem }: KeyDirEntry): KeyProvider {
  let type: string;
  try {
    type = createPublicKey((publicKeyPem ?? privateKeyPem) as string).asymmetricKeyType ?? 'unknown';
  } catch (cause) {
    throw new TypeError(`jwt-gate: the key files of kid "${kid}" do not hold a PEM key`, { cause });
  }
  const provider = Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type] : undefined;
  if (provider === undefined)
    throw new TypeError(
      `jwt-gate: the key files of kid "${kid}" hold a ${type} key, which no provider takes`,
    );
  return provider({
    kid,
    ...(privateKeyPem === undefined ? {} : { privateKey: privateKeyPem }),
    ...(publicKeyPem === undefined ? {} : { publicKey: publicKeyPem }),
  });
}

/**
 * Several keys told apart by `kid`, for rotation without logging anyone out: `keySet([...], { active })`, or
 * `keySet.fromFiles({ dir })` for a folder of `<kid>.private.pem` / `<kid>.public.pem` pairs.
 */
export const keySet: KeySet = Object.assign(createKeySet, {
  fromFiles(options: KeyDirOptions): KeyProvider {
    const { pairs, active } = loadKeyDir(options);
    return createKeySet(pairs.map(pairProvider), { active });
  },
});
