// An independent reference verifier for the fuzz tests, written from DESIGN.md's rules (not from src/):
// what a token must come to, the claims or the codes a refusal may carry.
import { createHmac, createPublicKey, createSecretKey, verify as cryptoVerify } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { AuthErrorCode } from '../../src/index.js';
import { NOW, SECRET } from '../helpers.js';
import { AUDIENCE, ISSUER, rsaPublicPem } from '../hostile-tokens.js';

/** The codes a refusal decided on the payload may carry. */
const PAYLOAD_CODES: readonly AuthErrorCode[] = [
  'ERR_TOKEN_MALFORMED',
  'ERR_CLAIM_INVALID',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_NOT_YET_VALID',
];

export const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict base64url: alphabet only, no padding, no impossible length, unused trailing bits zero. */
function strictB64(segment: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(segment) || segment.length % 4 === 1) return undefined;
  const last = segment.length === 0 ? 0 : B64URL.indexOf(segment.at(-1)!);
  if (segment.length % 4 === 2 && (last & 0x0f) !== 0) return undefined;
  if (segment.length % 4 === 3 && (last & 0x03) !== 0) return undefined;
  return Buffer.from(segment, 'base64url');
}

function jsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const own = (
  object: Record<string, unknown>,
  name: string,
): { readonly present: boolean; readonly value: unknown } =>
  Object.hasOwn(object, name) ? { present: true, value: object[name] } : { present: false, value: undefined };

export type Alg = 'HS256' | 'RS256';
export interface RefConfig {
  readonly alg: Alg;
  /** The provider's kid, when it has one. */
  readonly kid?: string;
  readonly maxTokenBytes: number;
  readonly now: number;
}

type HeaderVerdict = 'ok' | 'malformed' | 'alg' | 'kid' | 'typ';

function headerVerdict(header: Record<string, unknown> | undefined, config: RefConfig): HeaderVerdict {
  if (header === undefined) return 'malformed';
  const alg = own(header, 'alg');
  const kid = own(header, 'kid');
  const typ = own(header, 'typ');
  if (typeof alg.value !== 'string') return 'malformed';
  if (kid.present && typeof kid.value !== 'string') return 'malformed';
  if (typ.present && typeof typ.value !== 'string') return 'malformed';
  if (own(header, 'crit').present) return 'malformed';
  if (alg.value !== config.alg) return 'alg';
  if (config.kid !== undefined && kid.present && kid.value !== config.kid) return 'kid';
  if (typ.present && !['jwt', 'application/jwt'].includes(String(typ.value).toLowerCase())) return 'typ';
  return 'ok';
}

function claimsValid(claims: Record<string, unknown>, now: number): boolean {
  const iss = own(claims, 'iss');
  const aud = own(claims, 'aud');
  const exp = own(claims, 'exp');
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  for (const name of ['sub', 'jti']) {
    const member = own(claims, name);
    if (member.present && typeof member.value !== 'string') return false;
  }
  if (iss.value !== ISSUER) return false;
  const audList = typeof aud.value === 'string' ? [aud.value] : aud.value;
  if (!Array.isArray(audList) || !audList.every((a) => typeof a === 'string') || !audList.includes(AUDIENCE))
    return false;
  if (!finite(exp.value) || exp.value <= now) return false;
  const nbf = own(claims, 'nbf');
  if (nbf.present && !(finite(nbf.value) && nbf.value <= now)) return false;
  const iat = own(claims, 'iat');
  if (iat.present && !(finite(iat.value) && iat.value <= now)) return false;
  return true;
}

const refHmacKey = createSecretKey(Buffer.from(SECRET));
const refRsaPublic = createPublicKey(rsaPublicPem);

interface RefResult {
  /** The claims when the token is valid. */
  readonly claims?: Record<string, unknown>;
  /** When refused, a code the refusal must have, if the rules pin one down. */
  readonly codes: readonly AuthErrorCode[];
}

export function referenceVerify(token: unknown, config: RefConfig): RefResult {
  const malformed: RefResult = { codes: ['ERR_TOKEN_MALFORMED'] };
  if (typeof token !== 'string' || token.length > config.maxTokenBytes) return malformed;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '') return malformed;
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = strictB64(h);
  const payloadBytes = strictB64(p);
  const signature = strictB64(s);
  if (headerBytes === undefined) return malformed;
  // Nothing pins whether the payload and signature spelling are checked before the algorithm.
  const header = jsonObject(headerBytes);
  const verdict = headerVerdict(header, config);
  const late: AuthErrorCode[] =
    payloadBytes === undefined || signature === undefined ? ['ERR_TOKEN_MALFORMED'] : [];
  if (verdict === 'malformed') return malformed;
  if (verdict === 'alg') return { codes: ['ERR_ALG_NOT_ALLOWED', ...late] };
  if (verdict === 'kid') return { codes: ['ERR_KEY_NOT_FOUND', ...late] };
  if (signature === undefined) return malformed;
  const input = Buffer.from(`${h}.${p}`);
  const signed =
    config.alg === 'HS256'
      ? isDeepStrictEqual(createHmac('sha256', refHmacKey).update(input).digest(), signature)
      : signature.length === 256 && cryptoVerify('sha256', input, refRsaPublic, signature);
  // A badly spelled payload under a bad signature may be named either way.
  if (!signed)
    return {
      codes:
        payloadBytes === undefined
          ? ['ERR_TOKEN_MALFORMED', 'ERR_SIGNATURE_INVALID']
          : ['ERR_SIGNATURE_INVALID'],
    };
  if (payloadBytes === undefined) return malformed;
  if (verdict === 'typ') return { codes: ['ERR_CLAIM_INVALID', ...PAYLOAD_CODES] };
  const claims = jsonObject(payloadBytes);
  if (claims === undefined) return malformed;
  if (!claimsValid(claims, config.now)) return { codes: PAYLOAD_CODES };
  return { claims, codes: [] };
}

export const HS_REF: RefConfig = { alg: 'HS256', maxTokenBytes: 8192, now: NOW };
export const RS_REF: RefConfig = { alg: 'RS256', maxTokenBytes: 8192, now: NOW };
