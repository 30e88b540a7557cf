// The fuzz tests' generators: seeded randomness (mulberry32, so every run is the same), mutations of
// valid tokens, and raw JSON texts of hostile headers and claims, so duplicates, escapes and number
// spellings reach the parser as written.
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { NOW, b64 } from '../helpers.js';
import { AUDIENCE, ISSUER, MARKER, rsaPrivatePem, validClaims } from '../hostile-tokens.js';
import { B64URL, type Alg } from './reference-verifier.js';

// Deterministic randomness (mulberry32)

export interface Rng {
  next(): number;
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function seeded(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, chance: (p) => next() < p, pick: (items) => items[int(items.length)]! };
}

const ODD_CHARS = [
  '.',
  '=',
  '+',
  '/',
  ' ',
  '\t',
  '\n',
  '\r',
  '%',
  '"',
  ',',
  ';',
  '\u0000',
  'é',
  '\u2028',
  '\ufeff',
  '\ud800',
  '\udc00',
  '😀',
  'Ａ',
  '\u00a0',
];

function randomChar(r: Rng): string {
  return r.chance(0.8) ? B64URL[r.int(64)]! : r.pick(ODD_CHARS);
}

function reencodeBytes(segment: string, r: Rng): string {
  const bytes = Buffer.from(segment, 'base64url');
  const copy = Buffer.from(bytes);
  const at = copy.length === 0 ? 0 : r.int(copy.length);
  switch (r.int(4)) {
    case 0:
      if (copy.length > 0) copy[at] = copy[at]! ^ (1 << r.int(8));
      return copy.toString('base64url');
    case 1:
      if (copy.length > 0) copy[at] = r.int(256);
      return copy.toString('base64url');
    case 2:
      return Buffer.concat([copy.subarray(0, at), Buffer.from([r.int(256)]), copy.subarray(at)]).toString(
        'base64url',
      );
    default:
      return Buffer.concat([copy.subarray(0, at), copy.subarray(at + 1)]).toString('base64url');
  }
}

function jsonMutation(segment: string, r: Rng): string {
  const text = Buffer.from(segment, 'base64url').toString('utf8');
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return segment;
  }
  const keys = Object.keys(value);
  const key =
    r.chance(0.7) && keys.length > 0
      ? r.pick(keys)
      : r.pick(['alg', 'typ', 'kid', 'exp', 'aud', 'iss', 'sub', 'crit', '__proto__', 'role']);
  const replacement = r.pick<unknown>([
    'HS256',
    'RS256',
    'none',
    NOW - 1,
    NOW + 86400,
    null,
    [AUDIENCE],
    'admin',
    {},
    ISSUER,
    0,
  ]);
  const changed = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  Object.defineProperty(changed, key, {
    value: replacement,
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return b64(JSON.stringify(changed));
}

/** One to three random edits of a token: character, segment, byte or JSON level. */
export function mutate(token: string, r: Rng, donors: readonly string[]): string {
  let t = token;
  const edits = 1 + r.int(3);
  for (let i = 0; i < edits; i++) {
    const at = r.int(t.length + 1);
    const segs = t.split('.');
    const si = r.int(segs.length);
    switch (r.int(16)) {
      case 0:
        t = t.slice(0, at) + randomChar(r) + t.slice(at + 1);
        break;
      case 1:
        t = t.slice(0, at) + randomChar(r) + t.slice(at);
        break;
      case 2:
        t = t.slice(0, at) + t.slice(at + 1 + r.int(4));
        break;
      case 3:
        t = t.slice(0, at) + '.' + t.slice(at);
        break;
      case 4:
        t = t.replace('.', r.chance(0.5) ? '' : '..');
        break;
      case 5: {
        const j = r.int(segs.length);
        [segs[si], segs[j]] = [segs[j]!, segs[si]!];
        t = segs.join('.');
        break;
      }
      case 6:
        segs.splice(si, 0, segs[si]!);
        t = segs.join('.');
        break;
      case 7:
        t = t.slice(0, at);
        break;
      case 8: {
        const c = t[at] ?? 'a';
        const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
        t = t.slice(0, at) + flipped + t.slice(at + 1);
        break;
      }
      case 9: {
        const donor = r.pick(donors).split('.');
        segs[si] = donor[r.int(donor.length)] ?? '';
        t = segs.join('.');
        break;
      }
      case 10:
        t = r.chance(0.5)
          ? `${r.pick([' ', '\t', '\n', '"', '\u00a0'])}${t}`
          : `${t}${r.pick([' ', '\r\n', '=', '==', '.', '"'])}`;
        break;
      case 11:
        t = r.chance(0.5) ? `${t}.${t}` : `${t}${t}`;
        break;
      case 12:
      case 13:
        segs[si] = reencodeBytes(segs[si] ?? '', r);
        t = segs.join('.');
        break;
      case 14:
        if (si < 2) segs[si] = jsonMutation(segs[si] ?? '', r);
        t = segs.join('.');
        break;
      default:
        // a signature moved between two token kinds, or emptied
        segs[Math.min(2, segs.length - 1)] = r.chance(0.3) ? '' : (r.pick(donors).split('.')[2] ?? '');
        t = segs.join('.');
        break;
    }
  }
  return t;
}

export function randomUnicode(r: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const kind = r.int(4);
    const cp =
      kind === 0
        ? r.int(0x80)
        : kind === 1
          ? 0xd800 + r.int(0x800)
          : kind === 2
            ? r.int(0x10000)
            : 0x10000 + r.int(0x100000);
    s += cp >= 0xd800 && cp < 0xe000 ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return s;
}

export const randomB64 = (r: Rng, length: number): string =>
  Array.from({ length }, () => B64URL[r.int(64)]!).join('');

// Raw JSON texts, so duplicates, escapes and number spellings reach the parser as written.
const ALG_TEXTS = (alg: Alg): string[] => [
  `"${alg}"`,
  `"${alg}"`,
  `"${alg}"`,
  `"${alg}"`,
  `"${alg.replace('256', '\\u0032\\u0035\\u0036')}"`,
  '"none"',
  '"None"',
  '"NONE"',
  `"${alg.toLowerCase()}"`,
  `"${alg} "`,
  `" ${alg}"`,
  `"${alg}\\u0000"`,
  `"${alg}\\n"`,
  alg === 'HS256' ? '"RS256"' : '"HS256"',
  '"HS512"',
  '"PS256"',
  '"ES256"',
  '"RS512"',
  '""',
  '256',
  'null',
  'true',
  `["${alg}"]`,
  `{"0":"${alg}"}`,
  '"ＨＳ２５６"',
  '"__proto__"',
  '"toString"',
  '"constructor"',
];
const TYP_TEXTS = [
  '"JWT"',
  '"jwt"',
  '"application/jwt"',
  '"Application/JWT"',
  '"APPLICATION/JWT"',
  '"at+jwt"',
  '"application/at+jwt"',
  '"JWT "',
  '""',
  '"application/"',
  '"JOSE"',
  '"JWT\\u0000"',
  '"ｊｗｔ"',
  '"jwt; charset=utf-8"',
  '"application/application/jwt"',
  '5',
  'null',
  '{}',
  '["JWT"]',
  'false',
];
const KID_TEXTS = [
  '"k1"',
  '"k1"',
  '"K1"',
  '"__proto__"',
  '"constructor"',
  '"toString"',
  '"hasOwnProperty"',
  '""',
  JSON.stringify('k'.repeat(1500)),
  '"../../etc/passwd"',
  '"\\u0000"',
  '"k1\\u0000"',
  '5',
  'null',
  '{}',
  '[]',
  'true',
  '["k1"]',
];
const VALUE_TEXTS = [
  '1',
  '"admin"',
  '{"role":"admin","exp":1,"isAdmin":true}',
  '["admin"]',
  'null',
  '{"__proto__":{"polluted":1}}',
  '1e400',
  '-0',
  '"\\ud800"',
  '"\\u0000"',
  `"${MARKER}"`,
  '{"constructor":{"prototype":{"polluted":1}}}',
  'true',
  '[]',
  '{}',
];
export const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const CLAIM_TEXTS: Record<
  string,
  { readonly good: readonly string[]; readonly bad: readonly string[]; readonly optional: boolean }
> = {
  iss: {
    good: [JSON.stringify(ISSUER), '"https:\\/\\/issuer.test"', '"\\u0068ttps://issuer.test"'],
    bad: [
      JSON.stringify(ISSUER.toUpperCase()),
      JSON.stringify(`${ISSUER}/`),
      '""',
      'null',
      `[${JSON.stringify(ISSUER)}]`,
      '5',
      JSON.stringify(`${ISSUER}\u0000`),
      '{}',
    ],
    optional: false,
  },
  aud: {
    good: ['"api"', '["api"]', '["x","api"]', `[${'"x",'.repeat(400)}"api"]`, '"\\u0061pi"'],
    bad: [
      '"API"',
      '[]',
      '["x"]',
      '["api",1]',
      '{"api":true}',
      'null',
      '5',
      '"api "',
      '[["api"]]',
      '[null,"api"]',
    ],
    optional: false,
  },
  exp: {
    good: [
      String(NOW + 3600),
      String(NOW + 1),
      `${NOW}.5`,
      '1e308',
      `${NOW + 3600}.0`,
      `${NOW + 3600}e0`,
      '1767229200E0',
      '9007199254740993',
    ],
    bad: [
      String(NOW),
      String(NOW - 1),
      '0',
      '-0',
      '-1',
      '-1e308',
      '1e400',
      '-1e400',
      `"${NOW + 3600}"`,
      'null',
      'true',
      `[${NOW + 3600}]`,
      '{}',
      '1e-400',
      `${NOW}.00000000001`,
    ],
    optional: false,
  },
  nbf: {
    good: [String(NOW), String(NOW - 100), '0', '-1e308', '-0'],
    bad: [String(NOW + 1), `${NOW}.5`, '1e400', '"0"', 'null', '[]'],
    optional: true,
  },
  iat: {
    good: [String(NOW), String(NOW - 10), '0', '-0', '-1e308'],
    bad: [String(NOW + 1), '1e308', '"0"', 'null', '[]', '1e400'],
    optional: true,
  },
  sub: {
    good: ['"user-1"', '""', '"__proto__"', '"\\ud800"'],
    bad: ['5', 'null', '["u"]', '{}', 'true'],
    optional: true,
  },
  jti: { good: ['"j1"', '""'], bad: ['5', 'null', '[]', '{}'], optional: true },
};
export const EXTRA_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'role',
  'roles',
  'marker',
  '',
  '\u0000',
  'x'.repeat(64),
];

const objectText = (entries: readonly (readonly [string, string])[]): string =>
  `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`;

function shuffle<T>(items: T[], r: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export function genHeader(r: Rng, alg: Alg): string {
  if (r.chance(0.05)) {
    return r.pick([
      '[]',
      'null',
      `"${alg}"`,
      '1',
      '{',
      '',
      `{"alg":"${alg}"`,
      ` {"alg":"${alg}"} `,
      `\ufeff{"alg":"${alg}"}`,
      `{"alg":"${alg}",}`,
      `{'alg':'${alg}'}`,
      `{"alg":"${alg}"}x`,
    ]);
  }
  const entries: [string, string][] = [];
  if (!r.chance(0.04)) entries.push(['alg', r.chance(0.6) ? `"${alg}"` : r.pick(ALG_TEXTS(alg))]);
  if (r.chance(0.5)) entries.push(['typ', r.chance(0.5) ? '"JWT"' : r.pick(TYP_TEXTS)]);
  if (r.chance(0.35)) entries.push(['kid', r.pick(KID_TEXTS)]);
  if (r.chance(0.04)) entries.push(['crit', r.pick(['[]', '["exp"]', 'null', '"b64"', '["b64"]'])]);
  if (r.chance(0.15))
    entries.push([
      r.pick([
        'jku',
        'x5u',
        'jwk',
        'x5c',
        'b64',
        'zip',
        'enc',
        'cty',
        '__proto__',
        'constructor',
        'prototype',
      ]),
      r.pick(VALUE_TEXTS),
    ]);
  if (r.chance(0.08))
    entries.push([r.pick(['alg', 'typ', 'kid']), r.pick([...ALG_TEXTS(alg), ...TYP_TEXTS])]);
  if (r.chance(0.03)) entries.push(['x', nested(1 + r.int(1500))]);
  return objectText(r.chance(0.3) ? shuffle(entries, r) : entries);
}

export function genPayload(r: Rng): Uint8Array {
  if (r.chance(0.04)) {
    return Buffer.from(
      r.pick([
        '[]',
        'null',
        '1',
        '"x"',
        '{',
        '',
        'true',
        nested(3000),
        `[${JSON.stringify(validClaims)}]`,
        `${JSON.stringify(validClaims)} x`,
      ]),
    );
  }
  const entries: [string, string][] = [];
  for (const [name, texts] of Object.entries(CLAIM_TEXTS)) {
    const roll = r.next();
    if (roll < 0.78) entries.push([name, r.pick(texts.good)]);
    else if (roll < 0.9) entries.push([name, r.pick(texts.bad)]);
    else if (roll < 0.95 && !texts.optional)
      continue; // a required claim left out
    else if (texts.optional) continue;
    else entries.push([name, r.pick(texts.good)]);
  }
  entries.push(['marker', JSON.stringify(MARKER)]);
  if (r.chance(0.25)) entries.push([r.pick(EXTRA_NAMES), r.pick(VALUE_TEXTS)]);
  // Duplicate members: the parser keeps the last one, and so must every check.
  if (r.chance(0.1)) {
    const name = r.pick(Object.keys(CLAIM_TEXTS));
    const texts = CLAIM_TEXTS[name]!;
    entries.push([name, r.pick(r.chance(0.5) ? texts.good : texts.bad)]);
  }
  if (r.chance(0.03)) entries.push(['deep', nested(1 + r.int(300))]);
  const text = objectText(r.chance(0.3) ? shuffle(entries, r) : entries);
  if (r.chance(0.03)) {
    // invalid UTF-8 or a BOM
    const bytes = Buffer.from(text);
    return r.chance(0.5)
      ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])
      : Buffer.concat([
          bytes.subarray(0, -1),
          Buffer.from([r.pick([0xff, 0xc3, 0xed, 0x80])]),
          Buffer.from('}'),
        ]);
  }
  return Buffer.from(text);
}

const rsaSigningKey = createPrivateKey(rsaPrivatePem);
export const signRsa = (header: string, payload: Uint8Array): string => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), rsaSigningKey).toString('base64url')}`;
};
