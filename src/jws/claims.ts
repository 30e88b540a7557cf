import { AuthError } from '../errors.js';

/** A JWT claims set (RFC 7519 §4): the registered claims plus whatever the app puts in. */
export interface Claims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

/** What the claim checks need, resolved once by `createAuth`. */
export interface ClaimRules {
  readonly issuer: string | undefined;
  readonly audience: readonly string[] | undefined;
  readonly subject: string | undefined;
  readonly requireExp: boolean;
  readonly clockTolerance: number;
  readonly maxTokenAge: number | undefined;
  readonly requiredClaims: readonly string[];
}

/** The token's subject, when it names one as a string. */
export const subjectOf = (claims: Claims): string | undefined =>
  typeof claims.sub === 'string' ? claims.sub : undefined;

const invalid = (claim: string): AuthError => new AuthError('ERR_CLAIM_INVALID', { claim });
const has = (claims: object, name: string): boolean => Object.hasOwn(claims, name);

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  if (!has(claims, name)) return undefined;
  const value = claims[name];
  // RFC 7519 §2 NumericDate: a JSON number; strings like "9999999999" are refused.
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(name);
  return value;
}

function optionalString(claims: Record<string, unknown>, name: string): string | undefined {
  if (!has(claims, name)) return undefined;
  const value = claims[name];
  if (typeof value !== 'string') throw invalid(name);
  return value;
}

function audienceOf(claims: Record<string, unknown>): string | readonly unknown[] | undefined {
  if (!has(claims, 'aud')) return undefined;
  const aud = claims.aud;
  if (typeof aud === 'string') return aud;
  if (!Array.isArray(aud)) throw invalid('aud');
  for (let i = 0; i < aud.length; i++) if (typeof aud[i] !== 'string') throw invalid('aud');
  return aud as string[];
}

// Loops rather than some/includes closures: this runs on every request.
function audienceMatches(aud: string | readonly unknown[] | undefined, allowed: readonly string[]): boolean {
  if (aud === undefined) return false;
  if (typeof aud === 'string') return allowed.includes(aud);
  for (let i = 0; i < aud.length; i++) if (allowed.includes(aud[i] as string)) return true;
  return false;
}

/**
 * Checks a payload whose signature has already been verified; returns it typed as Claims.
 * Every member is read as an own property, so `__proto__` in a payload is only data.
 */
export function checkClaims(payload: Record<string, unknown>, rules: ClaimRules, nowSeconds: number): Claims {
  const iss = optionalString(payload, 'iss');
  const sub = optionalString(payload, 'sub');
  optionalString(payload, 'jti');
  const aud = audienceOf(payload);
  const exp = numericDate(payload, 'exp');
  const nbf = numericDate(payload, 'nbf');
  const iat = numericDate(payload, 'iat');

  for (const name of rules.requiredClaims) if (!has(payload, name)) throw invalid(name);
  if (rules.issuer !== undefined && iss !== rules.issuer) throw invalid('iss');
  if (rules.subject !== undefined && sub !== rules.subject) throw invalid('sub');
  if (rules.audience !== undefined && !audienceMatches(aud, rules.audience)) throw invalid('aud');

  const tolerance = rules.clockTolerance;
  if (exp === undefined) {
    if (rules.requireExp) throw invalid('exp');
  } else if (exp <= nowSeconds - tolerance) {
    throw new AuthError('ERR_TOKEN_EXPIRED');
  }
  if (nbf !== undefined && nbf > nowSeconds + tolerance) throw new AuthError('ERR_TOKEN_NOT_YET_VALID');
  if (iat !== undefined && iat > nowSeconds + tolerance) throw invalid('iat');
  if (rules.maxTokenAge !== undefined) {
    if (iat === undefined) throw invalid('iat');
    if (nowSeconds - iat > rules.maxTokenAge + tolerance) throw new AuthError('ERR_TOKEN_EXPIRED');
  }
  return payload;
}

/**
 * A copy of claims whose members are all primitives or arrays of primitives, as JSON gave them;
 * `undefined` for anything deeper. Lets a cached verification hand each caller its own object
 * without parsing the payload again. Spread keeps a `__proto__` member as plain data.
 */
export function copyFlatClaims(claims: Claims): Claims | undefined {
  const copy: Claims = { ...claims };
  for (const name of Object.keys(copy)) {
    const value = copy[name];
    if (typeof value !== 'object' || value === null) continue;
    if (!Array.isArray(value)) return undefined;
    for (let i = 0; i < value.length; i++) {
      const entry: unknown = value[i];
      if (typeof entry === 'object' && entry !== null) return undefined;
    }
    copy[name] = [...(value as unknown[])];
  }
  return copy;
}
