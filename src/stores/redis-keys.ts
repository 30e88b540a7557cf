/**
 * The keys of redisStore. `<prefix>{sub:<subject>}` is a subject's hash; its braces are the hash
 * tag, so on a Cluster a subject lives on one node and subjects spread over all of them. Ids of
 * tokens without a subject have keys of their own, and the log its own tag.
 */
export interface RedisKeys {
  readonly log: string;
  subject(sub: string): string;
  /** The keys earlier versions wrote for `sub`: its not-before, then one per id. */
  legacy(sub: string, ids: readonly string[]): string[];
  /** The key earlier versions marked a used id of `sub` with. */
  legacyUsed(sub: string, id: string): string;
  /** A revoked id of a token without a subject. */
  alone(id: string): string;
  /** A used id of a token without a subject. */
  used(id: string): string;
}

// encodeURIComponent escapes `{`, `}`, `:` and `%`, so a subject can neither move its hash tag nor pose
// as another subject. It throws on a lone surrogate, which JSON allows: that one gets `%u` and its code unit.
const encodeSubject = (sub: string): string =>
  sub.replace(/[^\w.!~*'()-]/gu, (c) =>
    c.length === 1 && c >= '\uD800' && c <= '\uDFFF'
      ? `%u${c.charCodeAt(0).toString(16)}`
      : encodeURIComponent(c),
  );

export function redisKeys(prefix: string): RedisKeys {
  const tag = (sub: string): string => `${prefix}{sub:${encodeSubject(sub)}}`;
  return {
    log: `${prefix}{log}`,
    subject: tag,
    legacy: (sub, ids) => [`${tag(sub)}:nb`, ...ids.map((id) => `${tag(sub)}:id:${id}`)],
    legacyUsed: (sub, id) => `${tag(sub)}:used:${id}`,
    alone: (id) => `${prefix}id:${id}`,
    used: (id) => `${prefix}used:${id}`,
  };
}
