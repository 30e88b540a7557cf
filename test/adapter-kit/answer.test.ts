// answerOf: what a handler answers for a promise, a value or the refusal a guard would write; and
// refreshAnswer, built on it, for a refresh endpoint.
import { describe, expect, it } from 'vitest';
import { answerOf, refreshAnswer } from '../../src/adapter-kit/index.js';
import { AuthError, createAuth, memoryStore } from '../../src/index.js';
import { fixedNow } from '../helpers.js';
import { sessionOptions } from '../support/sessions.js';

describe('answerOf', () => {
  it('a resolved value is the answer itself', async () => {
    const logins = { logins: [{ sid: 's1' }] };
    await expect(answerOf(Promise.resolve(logins), 'shop')).resolves.toBe(logins);
  });

  it('an AuthError is the refusal to write: status, the challenge naming the realm, the stable code', async () => {
    const answer = await answerOf(Promise.reject(new AuthError('ERR_TOKEN_MISSING')), 'shop');
    expect(answer).toEqual({
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="shop"' },
      body: {
        error: 'unauthorized',
        error_description: 'authentication required',
        code: 'ERR_TOKEN_MISSING',
      },
    });
  });

  it('a 503 has no challenge', async () => {
    const answer = await answerOf(Promise.reject(new AuthError('ERR_STORE_UNAVAILABLE')), 'shop');
    expect(answer).toMatchObject({ status: 503, headers: {}, body: { code: 'ERR_STORE_UNAVAILABLE' } });
  });

  it('any other error rejects as it is, for the framework’s error handling', async () => {
    const bug = new RangeError('the store broke');
    await expect(answerOf(Promise.reject(bug), 'shop')).rejects.toBe(bug);
    const thrown = { status: 401 };
    await expect(answerOf(Promise.reject(thrown), 'shop')).rejects.toBe(thrown);
  });
});

describe('refreshAnswer', () => {
  const auth = createAuth({ ...sessionOptions(memoryStore({ now: fixedNow }), fixedNow), realm: 'shop' });

  it('with no refresh cookie: the refusal, in the auth’s realm', async () => {
    const answer = await refreshAnswer(auth, { headers: {} }, { secure: true });
    expect(answer).toMatchObject({
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="shop"' },
      body: { code: 'ERR_TOKEN_MISSING' },
    });
  });

  it('with a live refresh cookie: the new session’s cookies, nothing else', async () => {
    const { cookies } = await auth.startSession({ sub: 'u1' }, undefined, { secure: true });
    const refresh = cookies.find((c) => c.startsWith('jwt-refresh='))!.split(';')[0]!;
    const answer = await refreshAnswer(auth, { headers: { cookie: refresh } }, { secure: true });
    expect(Object.keys(answer)).toEqual(['cookies']);
    expect((answer as { cookies: string[] }).cookies.map((c) => c.split('=')[0])).toEqual(
      expect.arrayContaining(['jwt', 'jwt-refresh']),
    );
  });
});
