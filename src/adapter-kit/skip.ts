/** Requests a guard lets through without authentication, as express-unless's `.unless()`. */
export interface SkipRules {
  /** Exact paths, or patterns tested against the path (the query left out). */
  readonly path?: string | RegExp | readonly (string | RegExp)[];
  /** Methods, any case: `['GET']` lets every GET through. */
  readonly method?: string | readonly string[];
}

// Something after the guard may read a path other than the one tested here: a static file server or a
// proxy resolves a dot segment (`/public/../private`, `%2e%2e`) and decodes `%2f` first, and a router
// follows the path of an absolute-form target (`http://public/admin` is /admin). Only a path in plain
// origin form can be let through; any other gets its token checked.
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:\/|$)/i;
const ENCODED_SEPARATOR = /%2f|%5c|\\/i;
const isPlain = (path: string): boolean =>
  path.startsWith('/') && !DOT_SEGMENT.test(path) && !ENCODED_SEPARATOR.test(path);

const listOf = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

/** A test of one request's method and URL, or `undefined` when nothing is skipped. */
export function resolveSkip(
  unless: SkipRules | undefined,
): ((method: string | undefined, url: string | undefined) => boolean) | undefined {
  if (unless === undefined) return undefined;
  if (typeof unless !== 'object' || unless === null)
    throw new TypeError('jwt-gate: "unless" must be an object like { path: ["/health"] }');
  for (const key of Object.keys(unless))
    if (key !== 'path' && key !== 'method') throw new TypeError(`jwt-gate: unknown unless option "${key}"`);
  const paths = listOf(unless.path);
  const methods = listOf(unless.method);
  if (!paths.every((p) => (typeof p === 'string' && p.startsWith('/')) || p instanceof RegExp)) {
    throw new TypeError('jwt-gate: "unless.path" must be paths starting with "/" or regular expressions');
  }
  if (!methods.every((m) => typeof m === 'string' && m !== ''))
    throw new TypeError('jwt-gate: "unless.method" must be method names');
  if (paths.length === 0 && methods.length === 0) return undefined;
  const exact = new Set(paths.filter((p): p is string => typeof p === 'string'));
  // A pattern with the g or y flag keeps state between tests: a copy without them answers the same each time.
  const patterns = paths
    .filter((p): p is RegExp => p instanceof RegExp)
    .map((p) => new RegExp(p.source, p.flags.replace(/[gy]/g, '')));
  const upper = new Set(methods.map((m) => m.toUpperCase()));
  return (method, url) => {
    if (method !== undefined && upper.has(method.toUpperCase())) return true;
    if (url === undefined) return false;
    const end = url.search(/[?#]/);
    const path = end === -1 ? url : url.slice(0, end);
    if (!isPlain(path)) return false;
    return exact.has(path) || patterns.some((pattern) => pattern.test(path));
  };
}
