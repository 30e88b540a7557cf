import { describe, expect, it } from 'vitest';
import { toSeconds } from '../src/duration.js';

describe('toSeconds', () => {
  it.each([
    [0, 0],
    [90, 90],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604800],
    ['0s', 0],
  ] as const)('%s is %i seconds', (input, seconds) => {
    expect(toSeconds(input, 'expiresIn')).toBe(seconds);
  });

  it.each([
    ['1.5h'],
    ['1 h'],
    ['1H'],
    ['h'],
    ['-1m'],
    ['1y'],
    ['1hour'],
    [''],
    [' 1h'],
    ['1h '],
    [1.5],
    [-1],
    [Number.NaN],
    [Infinity],
    [null],
    [{}],
    ['9999999999d'],
  ])('%j is refused with a TypeError naming the option', (input) => {
    expect(() => toSeconds(input, 'maxTokenAge')).toThrow(/"maxTokenAge"/);
    expect(() => toSeconds(input, 'maxTokenAge')).toThrow(TypeError);
  });
});
