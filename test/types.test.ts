// Compile-time checks, enforced by `npm run typecheck` (tsc over test/); at run time they are no-ops.
import { describe, expectTypeOf, it } from 'vitest';
import {
  createAuth,
  hs256,
  type Auth,
  type Authenticated,
  type Claims,
  type KeyProvider,
} from '../src/index.js';
import { SECRET } from './helpers.js';

interface User {
  id: string;
  admin: boolean;
}
interface AppClaims extends Claims {
  role: 'admin' | 'member';
}

describe('public types', () => {
  it('infers the user type from a mapper that may answer null, undefined or false (nobody): without them', () => {
    const users = new Map<string, User>();
    const auth = createAuth({
      key: hs256(SECRET),
      user: async (claims) => users.get(claims.sub ?? '') ?? false,
    });
    expectTypeOf(auth).toEqualTypeOf<Auth<User>>();
  });

  it('infers the user type from the user mapper', () => {
    const auth = createAuth({
      key: hs256(SECRET),
      user: (claims) => ({ id: claims.sub ?? '', admin: claims.role === 'admin' }),
    });
    expectTypeOf(auth).toEqualTypeOf<Auth<{ id: string; admin: boolean }>>();
    expectTypeOf(auth.authenticate).returns.resolves.toEqualTypeOf<Authenticated<{
      id: string;
      admin: boolean;
    }> | null>();
  });

  it('defaults the user to the claims', () => {
    const auth = createAuth({ key: hs256(SECRET) });
    expectTypeOf(auth.verify).returns.resolves.toEqualTypeOf<Claims>();
    expectTypeOf<Claims['exp']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Claims['custom']>().toEqualTypeOf<unknown>();
  });

  it('types claims through the second parameter', () => {
    const auth = createAuth<User, AppClaims>({
      key: hs256(SECRET),
      user: (claims) => ({ id: claims.sub ?? '', admin: claims.role === 'admin' }),
    });
    expectTypeOf(auth.verify).returns.resolves.toEqualTypeOf<AppClaims>();
    expectTypeOf(auth.issue).parameter(0).toEqualTypeOf<AppClaims>();
    // @ts-expect-error role must be one of the union
    const wrongRole = (): Promise<string> => auth.issue({ role: 'owner' });
    expectTypeOf(wrongRole).toBeFunction();
  });

  it('refuses wrong option types', () => {
    // Only compiled: each call would throw at run time.
    const wrong = (): void => {
      // @ts-expect-error key is required
      createAuth({ issuer: 'x' });
      // @ts-expect-error expiresIn takes seconds or a unit string
      createAuth({ key: hs256(SECRET), expiresIn: '1 hour' });
      // @ts-expect-error sameSite is lax, strict or none
      createAuth({ key: hs256(SECRET), cookie: { sameSite: 'sometimes' } });
      // @ts-expect-error cache is bounds or false, not true
      createAuth({ key: hs256(SECRET), cache: true });
      // @ts-expect-error cache needs max
      createAuth({ key: hs256(SECRET), cache: { maxTokenLength: 100 } });
    };
    createAuth({ key: hs256(SECRET), cache: { max: 10_000, maxTokenLength: 1024 } });
    createAuth({ key: hs256(SECRET), cache: false });
    expectTypeOf(wrong).toBeFunction();
    expectTypeOf(hs256).returns.toEqualTypeOf<KeyProvider>();
  });
});
