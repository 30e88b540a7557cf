import { toSeconds, type Duration } from '../duration.js';
import type { EventSink, KeySkippedEvent } from '../events.js';
import type { Algorithm } from '../jws/jwa.js';
import { typKey } from '../jws/jws.js';
import { resolveIssuer, resolveKey, type KeyProvider } from '../keys/provider.js';
import { Outage } from '../outage.js';
import {
  checkKnownKeys,
  flag,
  optionError,
  optionalString,
  secondsOrDefault,
  stringList,
} from '../validate.js';
import { REFRESH_TYP } from './claims-to-sign.js';
import { OTHER_ISSUER_CLOCK_TOLERANCE } from './clock-tolerance.js';
import type { OtherIssuers, Trust } from './trust.js';

/**
 * Another issuer whose tokens are taken, with its own keys and rules: an entry of `issuers`. Its keys
 * only verify, and only tokens that claim it; sessions stay the app's own.
 */
export interface TrustedIssuer {
  /** The issuer exactly as its tokens carry it in `iss`. With `oidc()`, the provider's (given here, it must equal it). */
  readonly issuer?: string;
  /** Its keys: `jwks({ url })`, `oidc({ issuer })`, or a local provider (its public key, a shared secret). */
  readonly key: KeyProvider;
  /**
   * The `aud` its tokens must carry for this app (one of them). Required: an issuer mints tokens for
   * other apps too. `false` takes any `aud`, for an issuer that mints tokens for this app alone.
   */
  readonly audience: string | readonly string[] | false;
  /** Narrows the algorithms its keys verify, e.g. `['RS256']`. @default every algorithm its key verifies */
  readonly algorithms?: readonly Algorithm[];
  /** Seconds of clock skew forgiven for `exp`, `nbf` and `iat`: its clock is not the app's. @default 60 */
  readonly clockTolerance?: number;
  /** Refuse its tokens whose `iat` is older than this, whatever their `exp`. */
  readonly maxTokenAge?: Duration;
  /** Claims its tokens must carry. */
  readonly requiredClaims?: readonly string[];
  /** Refuse its tokens without `exp`. @default true */
  readonly requireExp?: boolean;
  /** The `typ` header its tokens carry, when they carry one (`'at+jwt'`, RFC 9068). @default 'JWT' */
  readonly typ?: string;
}

const ENTRY_OPTIONS = [
  'issuer',
  'key',
  'audience',
  'algorithms',
  'clockTolerance',
  'maxTokenAge',
  'requiredClaims',
  'requireExp',
  'typ',
] as const;

function audienceOf(value: unknown, option: string): readonly string[] | undefined {
  if (value === false) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string' && a !== ''))
    throw optionError(
      option,
      "the aud this app's tokens from that issuer carry (a string or a list), or false to take any: an issuer mints tokens for other apps too",
    );
  return Object.freeze([...(list as string[])]);
}

function algorithmsOf(value: unknown, provider: KeyProvider, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const verified: readonly string[] = provider.algorithms;
  if (!Array.isArray(value) || value.length === 0 || !value.every((alg) => verified.includes(alg as string)))
    throw optionError(option, `among the algorithms its key verifies: ${verified.join(', ')}`);
  return Object.freeze([...(value as string[])]);
}

function trustOf(
  entry: unknown,
  where: string,
  taken: ReadonlySet<string>,
  emit: EventSink | undefined,
): Trust {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw optionError(where, 'an object like { issuer, key, audience }');
  checkKnownKeys(entry, ENTRY_OPTIONS, where);
  const o = entry as TrustedIssuer;
  const provider = resolveKey(o.key, `${where}.key`);
  const issuer = resolveIssuer(o.issuer, provider, `${where}.issuer`, `${where}.key`);
  if (issuer === undefined)
    throw optionError(
      `${where}.issuer`,
      'the issuer exactly as its tokens carry it in iss (or left out with a provider that knows it, as oidc() does)',
    );
  if (taken.has(issuer))
    throw optionError(`${where}.issuer`, `another issuer than those before it: ${issuer} is listed twice`);
  const typ = optionalString(o.typ, `${where}.typ`) ?? 'JWT';
  if (typKey(typ) === REFRESH_TYP)
    throw optionError(`${where}.typ`, `another type than the refresh tokens' (${REFRESH_TYP})`);
  const claimRules = Object.freeze({
    issuer,
    audience: audienceOf(o.audience, `${where}.audience`),
    subject: undefined,
    requireExp: flag(o.requireExp, `${where}.requireExp`, true),
    clockTolerance: secondsOrDefault(
      o.clockTolerance,
      `${where}.clockTolerance`,
      OTHER_ISSUER_CLOCK_TOLERANCE,
    ),
    maxTokenAge: o.maxTokenAge === undefined ? undefined : toSeconds(o.maxTokenAge, `${where}.maxTokenAge`),
    requiredClaims: stringList(o.requiredClaims, `${where}.requiredClaims`) ?? [],
  });
  return Object.freeze({
    issuer,
    provider,
    algorithms: algorithmsOf(o.algorithms, provider, `${where}.algorithms`),
    claimRules,
    typ,
    typKey: typKey(typ),
    own: false,
    // Each issuer's keys are down or up on their own: one outage must not flap with another's answers.
    keysOutage: emit === undefined ? undefined : new Outage(emit, 'keys-unavailable', issuer),
    report:
      emit === undefined
        ? undefined
        : (event: KeySkippedEvent): void => {
            emit({ ...event, issuer });
          },
  });
}

/**
 * The `issuers` option: each entry checked once, into the issuers taken besides the app's own (`own`:
 * its issuer, which no entry may name, and whether it has keys), by their exact `iss`.
 */
export function resolveIssuers(
  value: unknown,
  own: { readonly issuer: string | undefined; readonly ownKeys: boolean },
  emit: EventSink | undefined,
): OtherIssuers {
  if (value === undefined) return undefined;
  const ownIssuer = own.issuer;
  // Beside other issuers, the app's own tokens are told from theirs by their iss.
  if (!own.ownKeys && ownIssuer !== undefined)
    throw optionError('issuer', 'left out with key: false: other issuers go in issuers, each with its key');
  if (own.ownKeys && ownIssuer === undefined)
    throw optionError(
      'issuer',
      "set beside issuers: the iss of the app's own tokens, which its key alone verifies",
    );
  if (!Array.isArray(value) || value.length === 0)
    throw optionError('issuers', 'a non-empty array of { issuer, key, audience }');
  // A Map: a token's iss is looked up as data, so "__proto__" or "toString" find nothing.
  const byIssuer = new Map<string, Trust>();
  value.forEach((entry: unknown, i) => {
    const where = `issuers[${i}]`;
    const trust = trustOf(entry, where, new Set(byIssuer.keys()), emit);
    if (trust.issuer === ownIssuer)
      throw optionError(
        `${where}.issuer`,
        `another issuer than the app's own (${ownIssuer}), whose tokens its key alone verifies`,
      );
    byIssuer.set(trust.issuer as string, trust);
  });
  return byIssuer;
}
