import { AuthError } from '../errors.js';
import { isWhole, optionError } from '../validate.js';

/** How a remote document (a JWK Set, an OpenID configuration) is fetched and kept. Durations are whole milliseconds. */
export interface RemoteOptions {
  /** How long one fetch may take, body included; at least 1. @default 5000 */
  readonly timeoutDuration?: number;
  /**
   * How long a fetched document is used before it is fetched again. 0: it is stale as soon as it
   * is fetched, so a verification refetches it whenever `cooldownDuration` allows, keeping the held
   * one when that fetch fails. @default 600000 (10 minutes)
   */
  readonly cacheMaxAge?: number;
  /**
   * Once a document is held, the least time between two fetch attempts: an unknown `kid`, or a
   * refresh of a stale document while the endpoint is failing, fetches at most once per period.
   * 0: no cooldown, so every token with an unknown `kid` costs a fetch (concurrent ones share it).
   * @default 30000
   */
  readonly cooldownDuration?: number;
  /** The largest response body accepted, in bytes; at least 1. @default 1048576 (1 MiB) */
  readonly maxBytes?: number;
  /** The clock for cache ages and cooldowns, in ms (tests pin it; the fetch timeout uses real time). @default Date.now */
  readonly now?: () => number;
}

export type ResolvedRemote = Required<RemoteOptions>;

export const REMOTE_OPTIONS = [
  'timeoutDuration',
  'cacheMaxAge',
  'cooldownDuration',
  'maxBytes',
  'now',
] as const;
// AbortSignal.timeout runs on setTimeout, which fires at once for delays above 2^31 - 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An `http:` or `https:` URL without credentials, as text; a TypeError naming `option` otherwise. */
export function checkUrl(url: unknown, where: string, option = 'url'): URL {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' || url instanceof URL ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== 'https:' && parsed?.protocol !== 'http:') {
    throw new TypeError(`jwt-gate: ${where} "${option}" must be an http: or https: URL`);
  }
  // fetch refuses such a URL on every request; say so once, at start-up.
  if (parsed.username !== '' || parsed.password !== '')
    throw new TypeError(`jwt-gate: ${where} "${option}" must not carry credentials`);
  return parsed;
}

/** Whether `url` names this machine: the only place plain HTTP is taken from for what a remote document says. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function checkWhole(
  value: unknown,
  where: string,
  option: string,
  unit: string,
  fallback: number,
  min: 0 | 1,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (!isWhole(value, min, max)) {
    const range = min === 0 ? `a whole number of ${unit}, 0 or more` : `a positive whole number of ${unit}`;
    const limit = max === Number.MAX_SAFE_INTEGER ? '' : ` up to ${max}`;
    throw optionError(option, `${range}${limit}`, where);
  }
  return value;
}

/** The fetch options with their defaults, checked once. */
export function resolveRemote(options: RemoteOptions, where: string): ResolvedRemote {
  const now = options.now ?? (() => Date.now());
  if (typeof now !== 'function') throw optionError('now', 'a function returning milliseconds', where);
  return Object.freeze({
    // A fetch given no time, or a body of no bytes, could never succeed; 0 is refused there only.
    timeoutDuration: checkWhole(
      options.timeoutDuration,
      where,
      'timeoutDuration',
      'ms',
      5000,
      1,
      MAX_TIMER_MS,
    ),
    cacheMaxAge: checkWhole(options.cacheMaxAge, where, 'cacheMaxAge', 'ms', 600_000, 0),
    cooldownDuration: checkWhole(options.cooldownDuration, where, 'cooldownDuration', 'ms', 30_000, 0),
    maxBytes: checkWhole(options.maxBytes, where, 'maxBytes', 'bytes', 1_048_576, 1),
    now,
  });
}

// Failure reasons are fixed sentences: they become the AuthError's cause and never quote the body.
async function readCapped(res: Response, maxBytes: number, what: string): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
  let finished = false;
  try {
    if (!res.ok) throw new Error(`jwt-gate: ${what} endpoint answered HTTP ${res.status}`);
    if (Number(res.headers.get('content-length')) > maxBytes)
      throw new Error(`jwt-gate: ${what} response is larger than maxBytes`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (reader !== undefined) {
      const next = await reader.read();
      if (next.done) break;
      size += next.value.byteLength;
      if (size > maxBytes) throw new Error(`jwt-gate: ${what} response is larger than maxBytes`);
      chunks.push(next.value);
    }
    finished = true;
    return utf8.decode(Buffer.concat(chunks));
  } finally {
    // Drops the connection without waiting for a body nobody will read.
    if (!finished) reader?.cancel().catch(() => undefined);
  }
}

/** GETs `url` as JSON within the time and size limits; never follows a redirect. */
export async function fetchJson(url: string, o: ResolvedRemote, what: string): Promise<unknown> {
  // 'manual': a redirect would fetch a URL nobody configured, so a 3xx fails like any non-2xx.
  const res = await fetch(url, {
    redirect: 'manual',
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(o.timeoutDuration),
  });
  const text = await readCapped(res, o.maxBytes, what);
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the body.
    throw new Error(`jwt-gate: ${what} response is not JSON`);
  }
}

/** A remote document held in memory: fetched on first use, refreshed when stale, shared by concurrent callers. */
export interface Remote<T> {
  /** The document held, refreshed first when stale (a failed refresh keeps it); with none held, ERR_KEYS_UNAVAILABLE when the fetch fails. */
  current(): Promise<T>;
  /** A refetched document when the cooldown allows one (the held one if it fails), else `undefined`. */
  refetched(held: T): Promise<T | undefined>;
}

/** Keeps what `load` fetches under the cache and cooldown rules of `o`; `load` gets the previous document. */
export function createRemote<T>(load: (previous: T | undefined) => Promise<T>, o: ResolvedRemote): Remote<T> {
  let cached: { readonly value: T; readonly fetchedAt: number } | undefined;
  let lastAttempt = -Infinity;
  let inflight: Promise<T> | undefined;

  // Single-flight: every caller that needs the document while a fetch runs waits on that one fetch.
  function refresh(): Promise<T> {
    if (inflight === undefined) {
      lastAttempt = o.now();
      inflight = load(cached?.value)
        .then((value) => {
          cached = { value, fetchedAt: o.now() };
          return value;
        })
        .finally(() => {
          inflight = undefined;
        });
    }
    return inflight;
  }

  // Stale-if-error: a failed refresh keeps what is held.
  const refreshOrKeep = (held: T): Promise<T> => refresh().catch(() => held);
  const mayFetch = (): boolean => inflight !== undefined || o.now() - lastAttempt >= o.cooldownDuration;

  return {
    async current(): Promise<T> {
      if (cached === undefined) {
        try {
          return await refresh();
        } catch (cause) {
          throw new AuthError('ERR_KEYS_UNAVAILABLE', { cause });
        }
      }
      return o.now() - cached.fetchedAt >= o.cacheMaxAge && mayFetch()
        ? refreshOrKeep(cached.value)
        : cached.value;
    },
    refetched: (held: T): Promise<T | undefined> =>
      mayFetch() ? refreshOrKeep(held) : Promise.resolve(undefined),
  };
}
