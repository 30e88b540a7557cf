/** Requests a guard lets through without authentication, as express-unless's `.unless()`. */
export interface SkipRules {
  /** Exact paths, or patterns tested against the path (the query left out). */
  readonly path?: string | RegExp | readonly (string | RegExp)[];
  /** Methods, any case: `['GET']` lets every GET through. */
  readonly method?: string | readonly string[];
}

const listOf = <T>(value: T | readonly T[] | undefined): readonly T[] => (value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T]);

/** A test of one request's method and URL, or `undefined` when nothing is skipped. */
export function resolveSkip(rules: SkipRules | undefined): ((method: string | undefined, url: string | undefined) => boolean) | undefined {
  if (rules === undefined) return undefined;
  if (typeof rules !== 'object' || rules === null) throw new TypeError('jwt-gate: "unless" must be an object like { path: ["/health"] }');
  for (const key of Object.keys(rules)) if (key !== 'path' && key !== 'method') throw new TypeError(`jwt-gate: unknown unless option "${key}"`);
  const paths = listOf(rules.path);
  const methods = listOf(rules.method);
  if (!paths.every((p) => (typeof p === 'string' && p.startsWith('/')) || p instanceof RegExp)) {
    throw new TypeError('jwt-gate: "unless.path" must be paths starting with "/" or regular expressions');
  }
  if (!methods.every((m) => typeof m === 'string' && m !== '')) throw new TypeError('jwt-gate: "unless.method" must be method names');
  if (paths.length === 0 && methods.length === 0) return undefined;
  const exact = new Set(paths.filter((p): p is string => typeof p === 'string'));
  // A pattern with the g or y flag keeps state between tests: a copy without them answers the same each time.
  const patterns = paths.filter((p): p is RegExp => p instanceof RegExp).map((p) => new RegExp(p.source, p.flags.replace(/[gy]/g, '')));
  const upper = new Set(methods.map((m) => m.toUpperCase()));
  return (method, url) => {
    if (method !== undefined && upper.has(method.toUpperCase())) return true;
    if (url === undefined) return false;
    const end = url.search(/[?#]/);
    const path = end === -1 ? url : url.slice(0, end);
    return exact.has(path) || patterns.some((pattern) => pattern.test(path));
  };
}
