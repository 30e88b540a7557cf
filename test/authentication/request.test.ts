import { describe, expect, it } from 'vitest';
import { parseCookie } from 'cookie';
import { bearerToken, cookieToken, cookieValues } from '../../src/authentication/headers.js';
import { extractToken } from '../../src/authentication/request.js';

describe('bearerToken (RFC 6750 §2.1)', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['Bearer\tabc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['  Bearer abc', 'abc'],
    ['Bearer a+b/c=', 'a+b/c='],
  ])('%j gives %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([[undefined], [''], ['Basic dXNlcjpwYXNz'], ['Bearerabc'], ['Token abc'], ['Digest username="a"']])(
    '%j is not a Bearer credential',
    (header) => {
      expect(bearerToken(header)).toBeUndefined();
    },
  );

  it.each([['Bearer'], ['Bearer '], ['Bearer a b'], ['Bearer a,b'], ['Bearer a, Bearer b']])(
    '%j is ERR_BAD_REQUEST',
    (header) => {
      expect(() => bearerToken(header)).toThrow(
        expect.objectContaining({ code: 'ERR_BAD_REQUEST', status: 400 }),
      );
    },
  );

  it('takes a single-element header list and refuses two', () => {
    expect(bearerToken(['Bearer abc'])).toBe('abc');
    expect(() => bearerToken(['Bearer a', 'Basic b'])).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_REQUEST' }),
    );
  });
});

describe('cookieToken', () => {
  it.each([
    ['jwt=abc', 'abc'],
    ['a=1; jwt=abc; b=2', 'abc'],
    ['jwt="abc"', '"abc"'],
    ['jwt=', undefined],
    ['jwtx=abc', undefined],
    ['__proto__=abc', undefined],
    ['', undefined],
  ])('%j gives %j', (header, token) => {
    expect(cookieToken(header, 'jwt')).toBe(token);
  });

  it('finds nothing for an inherited name', () => {
    expect(cookieToken('a=1', 'toString')).toBeUndefined();
    expect(cookieToken('a=1', '__proto__')).toBeUndefined();
  });

  it('joins several Cookie headers', () => {
    expect(cookieToken(['a=1', 'jwt=abc'], 'jwt')).toBe('abc');
  });
});

describe('a cookie name sent twice', () => {
  it.each([
    ['jwt=a; jwt=b', ['a', 'b']],
    ['jwt=; jwt=b', ['', 'b']],
    [' jwt =a;\tjwt\t=\tb\t', ['a', 'b']],
    ['jwt=a; x; jwt=b', ['a', 'b']],
    ['jwt=a;;;jwt=%61', ['a', 'a']],
    ['xjwt=a; jwtx=b; JWT=c; jwt=d', ['d']],
    ['jwt', []],
    ['=jwt=a; jwt=b', ['b']],
  ])('%j: cookieValues gives %j', (header, values) => {
    expect(cookieValues(header, 'jwt')).toEqual(values);
  });

  it('is refused by cookieToken, never settled by taking the first', () => {
    for (const header of ['jwt=a; jwt=b', 'jwt=; jwt=b', ['jwt=a', 'jwt=b'], 'jwt=a; jwt=a']) {
      expect(() => cookieToken(header, 'jwt')).toThrow(
        expect.objectContaining({ code: 'ERR_DUPLICATE_COOKIE', status: 400 }),
      );
    }
  });

  it('reads pairs as cookie’s parseCookie does: its first value is the first found', () => {
    const pieces = [
      'jwt',
      'jwt ',
      ' jwt',
      'a',
      '',
      '=',
      ';',
      ' ',
      '\t',
      'x=1',
      '%41',
      '%E0%A4%A',
      '"q"',
      'jwt=v',
    ];
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 5000; i++) {
      const header = Array.from({ length: 1 + next(12) }, () => pieces[next(pieces.length)]).join('');
      expect([header, cookieValues(header, 'jwt')[0]]).toEqual([header, parseCookie(header).jwt]);
    }
  });
});

describe('extractToken', () => {
  const both = { order: ['bearer', 'cookie'] as const, cookieName: 'jwt' };
  it('reads the header first, then the cookie, and says which it was', () => {
    expect(extractToken({ headers: { authorization: 'Bearer h', cookie: 'jwt=c' } }, both)).toEqual({
      token: 'h',
      source: 'bearer',
    });
    expect(extractToken({ headers: { authorization: 'Basic x', cookie: 'jwt=c' } }, both)).toEqual({
      token: 'c',
      source: 'cookie',
    });
    expect(
      extractToken({ headers: { authorization: 'Bearer h' } }, { order: ['cookie'], cookieName: 'jwt' }),
    ).toBeUndefined();
    expect(
      extractToken({ headers: { cookie: 'jwt=c' } }, { order: ['bearer'], cookieName: undefined }),
    ).toBeUndefined();
  });

  it('in the order given: the cookie first, as koa-jwt reads it', () => {
    const cookieFirst = { order: ['cookie', 'bearer'] as const, cookieName: 'jwt' };
    expect(extractToken({ headers: { authorization: 'Bearer h', cookie: 'jwt=c' } }, cookieFirst)).toEqual({
      token: 'c',
      source: 'cookie',
    });
    expect(extractToken({ headers: { authorization: 'Bearer h' } }, cookieFirst)).toEqual({
      token: 'h',
      source: 'bearer',
    });
  });
});
