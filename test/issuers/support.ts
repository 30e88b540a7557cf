// What the several-issuers tests share: the app's own issuer and three others (A and B share the kid "1",
// the partner signs with a secret), each issuer's signing side, and a verifier that takes them all.
import { createAuth, hs256, rs256, type Auth, type AuthOptions, type KeyProvider } from '../../src/index.js';
import { OTHER_SECRET, SECRET, fixedNow, fixture } from '../helpers.js';

export const pem = (name: string): string => fixture(`test-only-${name}.pem`);
export const OWN = 'https://app.example';
export const A = 'https://a.example';
export const B = 'https://b.example';
export const PARTNER = 'partner';
export const invalid = (claim: string): object => ({ code: 'ERR_CLAIM_INVALID', claim, status: 401 });

/** An issuer's own signing side: `issuer` and `key` as it signs, here to mint its tokens (and forgeries). */
export const signer = (key: KeyProvider, issuer: string | undefined, audience = 'api'): Auth =>
  createAuth({ key, ...(issuer === undefined ? {} : { issuer }), audience, now: fixedNow, store: false });

// A and B share the kid "1", each with its own RSA key; the partner signs with a secret of its own.
export const aKey = rs256({ privateKey: pem('rsa-2048-private'), kid: '1' });
export const bKey = rs256({ privateKey: pem('rsa-2048-b-private'), kid: '1' });
export const partnerKey = hs256({ secret: OTHER_SECRET });
export const ownKey = hs256({ secret: SECRET, kid: 'own' });

export const asA = signer(aKey, A);
export const asB = signer(bKey, B);
export const asPartner = signer(partnerKey, PARTNER);
export const asOwn = signer(ownKey, OWN, 'app');

export function verifier(extra: Partial<AuthOptions> = {}): Auth {
  return createAuth({
    key: ownKey,
    issuer: OWN,
    audience: 'app',
    issuers: [
      { issuer: A, key: rs256({ publicKey: pem('rsa-2048-public'), kid: '1' }), audience: 'api' },
      { issuer: B, key: rs256({ publicKey: pem('rsa-2048-b-public'), kid: '1' }), audience: 'api' },
      { issuer: PARTNER, key: hs256({ secret: OTHER_SECRET }), audience: 'api' },
    ],
    now: fixedNow,
    ...extra,
  });
}
