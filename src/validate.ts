// The checks every options object shares, so that each feature resolves its own options with the
// same words: `jwt-gate: "cookie.maxAge" must be whole seconds`. Tests match these messages.

/** The TypeError of a bad option, naming it (and `where`, the function that took it, when given). */
export function optionError(option: string, what: string, where?: string): TypeError {
  return new TypeError(`jwt-gate: ${where === undefined ? '' : `${where} `}"${option}" must be ${what}`);
}

/** Refuses option keys that are not known, to catch typos such as `expiresin` at start-up; `hints` name what replaces another library's option. */
export function checkKnownKeys(
  options: object,
  known: readonly string[],
  where: string,
  hints?: Readonly<Record<string, string>>,
): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = hints !== undefined && Object.hasOwn(hints, key) ? `: ${hints[key] as string}` : '';
    throw new TypeError(`jwt-gate: unknown ${where} option "${key}"${hint}`);
  }
}

/** Whether `value` is a whole number from `min` to `max`. */
export const isWhole = (
  value: unknown,
  min: number = 0,
  max: number = Number.MAX_SAFE_INTEGER,
): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;

/** `value`, a whole number of 1 or more. */
export function positiveInteger(value: unknown, option: string, where?: string): number {
  if (!isWhole(value, 1)) throw optionError(option, 'a positive whole number', where);
  return value;
}

/** A folder to keep key files in. */
export function folderPath(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError('jwt-gate: "dir" must be a folder path');
  return value;
}

export function optionalString(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw optionError(option, 'a non-empty string');
  return value;
}

const nonEmptyStrings = (list: unknown): list is string[] =>
  Array.isArray(list) && list.length > 0 && list.every((v) => typeof v === 'string' && v !== '');

/** One non-empty string or a non-empty array of them, as a frozen array. */
export function stringList(value: unknown, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!nonEmptyStrings(list)) throw optionError(option, 'a non-empty string or array of them');
  return Object.freeze([...list]);
}

/** A non-empty array of non-empty strings, as a frozen copy. */
export function stringArray(value: unknown, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!nonEmptyStrings(value)) throw optionError(option, 'a non-empty array of strings');
  return Object.freeze([...value]);
}

export function optionalFunction<T>(value: T, option: string): T {
  if (value !== undefined && typeof value !== 'function') throw optionError(option, 'a function');
  return value;
}

export function flag(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw optionError(option, 'true or false');
  return value;
}

/** A number of seconds, 0 or more and finite (fractions taken), or `fallback` when unset: a clock tolerance. */
export function secondsOrDefault(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw optionError(option, 'a number of seconds, 0 or more');
  return value;
}
