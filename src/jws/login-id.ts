/**
 * A login's id (`sid`) as sign-in makes it, `<random>.<end>.<generation>`: the login's last second,
 * and its subject's generation when it signed in (how many "log out everywhere" came before). Signed
 * into every token of the login, so one token tells how long to refuse them all, and whether a later
 * "log out everywhere" ended it. Ids of two parts come from before generations.
 */
export const loginId = (random: string, end: number, generation: number): string =>
  `${random}.${end}.${generation}`;

const LOGIN_ID = /^[\w-]{16,64}\.(\d{1,15})(?:\.(\d{1,15}))?$/;

/** The parts of a `sid` made by sign-in, or `undefined` for any other value (another issuer's sid). */
export function loginOf(sid: unknown): { readonly end: number; readonly generation?: number } | undefined {
  const parts = typeof sid === 'string' ? LOGIN_ID.exec(sid) : null;
  if (parts === null) return undefined;
  const end = Number(parts[1]);
  return parts[2] === undefined ? { end } : { end, generation: Number(parts[2]) };
}

/**
 * A refresh token's id (`jti`), `<step>.<random>`: its place in its login's rotation. The store keeps
 * one entry per login, the highest step spent, so a login's refreshes never add up in the store.
 */
export const refreshTokenId = (step: number, random: string): string => `${step}.${random}`;

/** The rotation step of a refresh token's `jti`, or `undefined` for ids from before steps. */
export function refreshStepOf(jti: string): number | undefined {
  const step = /^(\d{1,9})\.[\w-]{16,64}$/.exec(jti)?.[1];
  return step === undefined ? undefined : Number(step);
}
