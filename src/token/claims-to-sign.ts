import type { Claims } from '../jws/claims.js';
import { toSeconds, type Duration } from '../duration.js';
import { newTokenId } from '../jws/jws.js';
import { checkKnownKeys } from '../validate.js';
import type { IssueSettings } from './settings.js';

/** Per-token changes to what `issue` sets. */
export interface IssueOverrides {
  readonly expiresIn?: Duration;
  readonly subject?: string;
  readonly audience?: string | readonly string[];
  /** The token is valid only this long after issue. */
  readonly notBefore?: Duration;
  readonly jwtid?: string;
  /** Sign with the provider's key of this `kid`. */
  readonly kid?: string;
}

/** The `typ` of refresh tokens: never accepted where an access token is expected. */
export const REFRESH_TYP = 'refresh+jwt';
/**
 * The `aud` of refresh tokens: a verifier elsewhere that checks only the signature, `iss` and its
 * own audience refuses them (RFC 8725 §3.11), whatever `typ` it reads.
 */
export const REFRESH_AUDIENCE = 'jwt-gate:refresh';

// Set by `issue` itself; a caller who sets them means an override.
// Where each claim `issue` sets comes from, for the caller who set it by hand (`iss` has no override).
const MANAGED_SOURCES: Readonly<Record<string, string>> = {
  iat: 'is the time of issue, read from the "now" option\'s clock',
  exp: 'is set from the "expiresIn" option or override',
  nbf: 'is set from the "notBefore" override',
  jti: 'is set from the "jwtid" override (random by default)',
  iss: 'is set from the "issuer" option (the issue overrides have none)',
  aud: 'is set from the "audience" option or override',
};
export const MANAGED_CLAIMS: readonly string[] = Object.keys(MANAGED_SOURCES);
const OVERRIDES = ['expiresIn', 'subject', 'audience', 'notBefore', 'jwtid', 'kid'] as const;

const NO_OVERRIDES: IssueOverrides = Object.freeze({});

/** The claims `issue` signs: the caller's, plus the registered ones from options and overrides. */
export function buildPayload(o: IssueSettings, claims: Claims, over: IssueOverrides = NO_OVERRIDES): Claims {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    throw new TypeError('jwt-gate: claims must be an object');
  for (let i = 0; i < MANAGED_CLAIMS.length; i++) {
    const name = MANAGED_CLAIMS[i] as string;
    if (Object.hasOwn(claims, name))
      throw new TypeError(`jwt-gate: claim "${name}" ${MANAGED_SOURCES[name]}`);
  }
  if (over !== NO_OVERRIDES) checkKnownKeys(over, OVERRIDES, 'issue');
  const subject = over.subject ?? o.subject;
  if (subject !== undefined && claims.sub !== undefined && claims.sub !== subject) {
    throw new TypeError('jwt-gate: claims.sub differs from the subject option');
  }
  const iat = Math.floor(o.now() / 1000);
  const lifetime = over.expiresIn === undefined ? o.expiresIn : toSeconds(over.expiresIn, 'expiresIn');
  const delay = over.notBefore === undefined ? undefined : toSeconds(over.notBefore, 'notBefore');
  // Refuse what our own verify would always refuse, where the mistake is made.
  if (lifetime === 0 || (delay !== undefined && delay >= lifetime))
    throw new TypeError('jwt-gate: the token would never be valid');
  if (subject !== undefined && typeof subject !== 'string')
    throw new TypeError('jwt-gate: "subject" must be a string');
  if (claims.sub !== undefined && typeof claims.sub !== 'string')
    throw new TypeError('jwt-gate: claim "sub" must be a string');
  if (over.jwtid !== undefined && typeof over.jwtid !== 'string')
    throw new TypeError('jwt-gate: "jwtid" must be a string');
  const audience = over.audience ?? o.audience;
  // One copy, then plain assignments: on Node 20 an object made by spread turns slow once extended
  // (8 µs against 0.05). Object.assign sets keys, so an own "__proto__" key (JSON.parse makes one)
  // would set the copy's prototype: that rare object is spread instead, which defines keys. The key
  // order (the caller's claims, then sub, iss, aud, iat, nbf, exp, jti) is the token's, byte for byte.
  const payload: Claims = Object.hasOwn(claims, '__proto__') ? { ...claims } : Object.assign({}, claims);
  if (subject !== undefined) payload.sub = subject;
  if (o.issuer !== undefined) payload.iss = o.issuer;
  if (audience !== undefined) payload.aud = typeof audience === 'string' ? audience : [...audience];
  payload.iat = iat;
  if (delay !== undefined) payload.nbf = iat + delay;
  payload.exp = iat + lifetime;
  payload.jti = over.jwtid ?? newTokenId();
  return payload;
}
