/** A lifetime: whole seconds, or a number with one unit: `'90s'`, `'15m'`, `'1h'`, `'7d'`. */
export type Duration = number | `${number}${'s' | 'm' | 'h' | 'd'}`;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const GRAMMAR = /^(\d{1,9})([smhd])$/;

/** Converts a Duration to whole seconds; throws a TypeError naming `option` when it is not one. */
export function toSeconds(value: unknown, option: string): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
  } else if (typeof value === 'string') {
    const match = GRAMMAR.exec(value);
    if (match) return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  }
  throw new TypeError(
    `jwt-gate: "${option}" must be whole seconds or a duration like "90s", "15m", "1h", "7d"`,
  );
}
