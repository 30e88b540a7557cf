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

/** The TypeError of a bad option, naming it (and `where`, the function that took it): `jwt-gate: "x" must be …`. */
export function optionError(option: string, what: string, where?: string): TypeError {
  return new TypeError(`jwt-gate: ${where === undefined ? '' : `${where} `}"${option}" must be ${what}`);
}
