import type { RequestLike } from '../authentication/request.js';
import { optionError } from '../validate.js';

// A CORS preflight never carries credentials (Fetch §4.8): asking it for a token only breaks CORS.
export const isPreflight = (req: RequestLike): boolean =>
  req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;

/** The `preflight` guard option: `'answer'` by default. */
export function resolvePreflight(value: unknown): 'answer' | 'next' {
  if (value === undefined) return 'answer';
  if (value !== 'answer' && value !== 'next') throw optionError('preflight', '"answer" or "next"');
  return value;
}
