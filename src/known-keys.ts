/** Refuses option keys that are not known, to catch typos such as `expiresin` at start-up. */
export function checkKnownKeys(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`jwt-gate: unknown ${where} option "${key}"`);
  }
}
