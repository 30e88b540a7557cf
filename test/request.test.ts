import { describe, expect, it } from 'vitest';
import { bearerToken, cookieToken, extractToken } from '../src/http/request.js';

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

describe('extractToken', () => {
  const both = { bearer: true, cookieName: 'jwt' };
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
      extractToken({ headers: { authorization: 'Bearer h' } }, { bearer: false, cookieName: 'jwt' }),
    ).toBeUndefined();
    expect(
      extractToken({ headers: { cookie: 'jwt=c' } }, { bearer: true, cookieName: undefined }),
    ).toBeUndefined();
  });
});
