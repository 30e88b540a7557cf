// A store folds a flooding subject's entries into a cut 300 s ahead of its own clock: a token of that
// subject issued by an instance as far ahead as clockTolerance allows, judged by one as far behind,
// must still fall under it. So with a store, the app's own clockTolerance is at most half of that.
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, memoryStore } from '../../src/index.js';
import { NOW_MS, SECRET, caught } from '../helpers.js';

// A token from an instance `tolerance` s ahead, verified by one whose clockTolerance is `tolerance`.
async function aheadAccepted(tolerance: number, store: ReturnType<typeof memoryStore> | false) {
  const options = { key: hs256(SECRET), clockTolerance: tolerance, store };
  const ahead = createAuth({ ...options, now: () => NOW_MS + tolerance * 1000 });
  return createAuth({ ...options, now: () => NOW_MS }).verify(await ahead.issue({ sub: 'u' }));
}

describe('clockTolerance with a session store', () => {
  it('is at most 150 s: twice it must fit in the 300 s a fold cuts ahead', async () => {
    const error = caught(() => createAuth({ key: hs256(SECRET), clockTolerance: 151, store: memoryStore() }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/"clockTolerance" must be at most 150 seconds with a session store/);
    await expect(aheadAccepted(150, memoryStore())).resolves.toMatchObject({ sub: 'u' });
  });

  it('is not bounded without a store', async () => {
    await expect(aheadAccepted(300, false)).resolves.toMatchObject({ sub: 'u' });
  });
});
