// The two entries: `jwt-gate` lists what applications call, `jwt-gate/adapter-kit` what adapters are built
// on. The kit's names stay on the main entry, deprecated, until the next minor version.
import { describe, expect, it } from 'vitest';
import * as kit from '../../src/adapter-kit/index.js';
import * as main from '../../src/index.js';
import { KIT_ONLY_VALUES } from '../support/kit-names.js';

const APPLICATION_VALUES = [
  'AuthError',
  'createAuth',
  'eddsa',
  'errorDescriptions',
  'es256',
  'generateKeyFiles',
  'hs256',
  'isAuthError',
  'jwks',
  'keySet',
  'memoryStore',
  'oidc',
  'ps256',
  'redisStore',
  'rs256',
  'toHttpError',
  'UnauthorizedError',
];
const KIT_VALUES = [
  'authenticatedOf',
  'checkAccess',
  'createGuard',
  'forgettable',
  'jwksResponse',
  'keepingClearingCookies',
  'lateSignIn',
  'rememberSession',
  'sessionOf',
  'toAuth',
];

describe('the public entries', () => {
  it('the kit exports what adapters are built on, and nothing an application calls', () => {
    expect(Object.keys(kit).sort()).toEqual([...KIT_VALUES, ...KIT_ONLY_VALUES].sort());
  });

  it('the main entry exports what applications call, and the kit only as deprecated aliases', () => {
    expect(Object.keys(main).sort()).toEqual([...APPLICATION_VALUES, ...KIT_VALUES].sort());
  });

  it.each(KIT_VALUES)('main.%s is the kit’s own', (name) => {
    expect(main[name as keyof typeof main]).toBe(kit[name as keyof typeof kit]);
  });
});
