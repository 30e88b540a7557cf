import { optionError } from '../validate.js';
import type { TokenSourceName, TokenSources } from './request.js';

const NAMES: readonly TokenSourceName[] = ['bearer', 'cookie', 'getToken'];

/** What decides where tokens are looked for, as `createAuth` takes it. */
export interface SourceOptions {
  readonly sources: unknown;
  /** Whether the Bearer header may carry tokens (`bearer` option). */
  readonly bearer: boolean;
  /** The session cookie's name; `undefined` when cookies are off. */
  readonly cookieName: string | undefined;
  readonly getToken: boolean;
}

/**
 * The order tokens are looked for in: the `sources` option, or by default `getToken` alone when there is
 * one (it replaces the built-in extraction), else the Bearer header, then the session cookie.
 */
export function resolveSources({ sources, bearer, cookieName, getToken }: SourceOptions): TokenSources {
  if (sources === undefined) {
    const order: TokenSourceName[] = getToken
      ? ['getToken']
      : [...(bearer ? ['bearer' as const] : []), ...(cookieName === undefined ? [] : ['cookie' as const])];
    return Object.freeze({ order: Object.freeze(order), cookieName });
  }
  const list: unknown[] = Array.isArray(sources) ? (sources as unknown[]) : [];
  if (
    list.length === 0 ||
    !list.every((name) => NAMES.includes(name as TokenSourceName)) ||
    new Set(list).size !== list.length
  )
    throw optionError(
      'sources',
      'a list of "bearer", "cookie" and "getToken", each once, in the order to look in',
    );
  const order = list as TokenSourceName[];
  const off =
    (order.includes('bearer') && !bearer && 'bearer: false') ||
    (order.includes('cookie') && cookieName === undefined && 'cookie: false') ||
    (order.includes('getToken') && !getToken && 'no getToken');
  if (off) throw optionError('sources', `places that are on (it names one turned off by ${off})`);
  return Object.freeze({ order: Object.freeze([...order]), cookieName });
}
