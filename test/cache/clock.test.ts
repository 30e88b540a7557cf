// A hit is judged on the clock of now, never the clock of when it was cached: forwards, backwards or broken.
import { describe, expect, it } from 'vitest';
import type { AuthOptions } from '../../src/index.js';
import { NOW, NOW_MS } from '../helpers.js';
import { hsToken, pair, verdict } from '../support/cache.js';

describe('the clock, forwards and backwards', () => {
  const sameVerdicts = async (
    extra: Partial<AuthOptions>,
    tokens: readonly string[],
    times: readonly number[],
  ): Promise<string[]> => {
    let now = NOW_MS;
    const { cached, plain } = pair({ ...extra, now: () => now });
    const seen: string[] = [];
    for (const at of times) {
      now = at * 1000;
      for (const token of [...tokens, ...tokens]) {
        const expected = await verdict(plain.verify(token));
        expect(`${at}: ${await verdict(cached.verify(token))}`).toBe(`${at}: ${expected}`);
        seen.push(expected);
      }
    }
    return seen;
  };

  const exp = NOW + 100.5;
  const timed = hsToken({ sub: 'u', iat: NOW, nbf: NOW + 10, exp });
  const futureIat = hsToken({ sub: 'u', iat: NOW + 20, exp });
  const plainExp = hsToken({ sub: 'u', iat: NOW, exp });
  const tokens = [timed, futureIat, plainExp];
  const around = (t: number, tol: number): number[] => [
    t - tol - 0.001,
    t - tol,
    t - 0.001,
    t,
    t + 0.001,
    t + tol - 0.001,
    t + tol,
    t + tol + 0.001,
  ];

  it.each([0, 5])(
    'clockTolerance %i: exp, nbf and iat edges, with the clock jumping back and forth',
    async (tol) => {
      const times = [
        NOW + 50,
        ...around(exp, tol),
        NOW + 50,
        ...around(NOW + 10, tol),
        NOW + 50,
        ...around(NOW + 20, tol),
        NOW - 3600,
        NOW + 50,
        exp + 3600,
        NOW + 50,
      ];
      const seen = await sameVerdicts({ clockTolerance: tol }, tokens, times);
      expect(seen).toContain('ok');
      expect(seen).toContain('ERR_TOKEN_EXPIRED');
      expect(seen).toContain('ERR_TOKEN_NOT_YET_VALID');
      expect(seen).toContain('ERR_CLAIM_INVALID');
    },
  );

  it('maxTokenAge: a hit is refused once the token is too old, and again after the clock is set back', async () => {
    const times = [
      NOW + 1,
      NOW + 29.999,
      NOW + 30,
      NOW + 30.001,
      NOW + 35,
      NOW + 35.001,
      NOW + 1,
      NOW + 36,
      NOW + 34.999,
    ];
    const seen = await sameVerdicts({ maxTokenAge: 30, clockTolerance: 5 }, [plainExp], times);
    expect(seen).toContain('ok');
    expect(seen).toContain('ERR_TOKEN_EXPIRED');
  });

  it('a clock that returns NaN or goes to the epoch never turns a refusal into a pass through the cache', async () => {
    let now = NOW_MS;
    const { cached, plain } = pair({ now: () => now });
    await cached.verify(plainExp);
    for (const at of [Number.NaN, 0, -1, Number.POSITIVE_INFINITY, NOW_MS]) {
      now = at;
      expect(await verdict(cached.verify(plainExp))).toBe(await verdict(plain.verify(plainExp)));
    }
  });
});
