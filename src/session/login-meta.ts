import type { LoginMeta } from '../stores/store.js';

/** What an app attaches to a login at sign-in (a label, the User-Agent): strings; `undefined` ones are left out. */
export type LoginMetaInput = Readonly<Record<string, string | undefined>>;

/** At most this many members; each name a word of at most 32 characters. */
const MAX_META_MEMBERS = 8;
/** A longer value is cut to this many bytes of UTF-8 as JSON writes it (never inside a character). */
const MAX_META_VALUE_BYTES = 256;

const NAME = /^[A-Za-z][\w-]{0,31}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Only the first bytes can stay: the rest of a value is never read, however long (a forged User-Agent).
function capped(value: string): string {
  // Every code unit is at least one byte: at most this many can fit. A pair cut in two is made whole below.
  const head = value.slice(0, MAX_META_VALUE_BYTES + 1).replace(LONE_SURROGATE, '\uFFFD');
  let bytes = 0;
  let end = 0;
  for (const char of head) {
    const code = char.codePointAt(0) as number;
    // As stored: JSON writes `"` and `\` as two characters and a control character as up to six.
    bytes +=
      code < 0x20
        ? 6
        : code === 0x22 || code === 0x5c
          ? 2
          : code < 0x80
            ? 1
            : code < 0x800
              ? 2
              : code < 0x10000
                ? 3
                : 4;
    if (bytes > MAX_META_VALUE_BYTES) break;
    end += char.length;
  }
  return head.slice(0, end);
}

/**
 * The `meta` of a sign-in, checked and capped: the app's own choices (names, types) are checked with a
 * TypeError; values, which may come from the request, are cut to size and made well-formed.
 */
export function resolveLoginMeta(meta: unknown): LoginMeta {
  if (meta === undefined) return {};
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    throw new TypeError('jwt-gate: sign-in "meta" must be an object of strings');
  const resolved: Record<string, string> = {};
  let members = 0;
  for (const [name, value] of Object.entries(meta)) {
    if (value === undefined) continue;
    if (!NAME.test(name))
      throw new TypeError(
        `jwt-gate: sign-in "meta" names must be words of up to 32 characters, like "userAgent"`,
      );
    if (typeof value !== 'string') throw new TypeError(`jwt-gate: sign-in "meta.${name}" must be a string`);
    if (++members > MAX_META_MEMBERS)
      throw new TypeError(`jwt-gate: sign-in "meta" takes at most ${MAX_META_MEMBERS} members`);
    resolved[name] = capped(value);
  }
  return resolved;
}
