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
