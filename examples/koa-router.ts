// A router in a few lines, so the Koa example needs nothing beyond Koa: `METHOD /path` keys, where a
// `:name` segment matches one segment of the path (decoded, as @koa/router sets `ctx.params`).
import type { Middleware } from 'koa';

/** The chain for `METHOD /path`, where a `:name` segment of a route matches one segment of the path. */
export function route(
  routes: Record<string, Middleware[]>,
  method: string,
  path: string,
): { chain: Middleware[]; params: Record<string, string> } | undefined {
  const exact = routes[`${method} ${path}`];
  if (exact) return { chain: exact, params: {} };
  const segments = path.split('/');
  for (const [key, chain] of Object.entries(routes)) {
    const [verb, pattern = ''] = key.split(' ');
    const parts = pattern.split('/');
    if (verb !== method || !pattern.includes(':') || parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = parts.every((part, i) => {
      const segment = segments[i] ?? '';
      if (!part.startsWith(':')) return part === segment;
      if (segment === '') return false;
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
        return true;
      } catch {
        return false;
      }
    });
    if (matches) return { chain, params };
  }
  return undefined;
}
