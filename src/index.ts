/**
 * What applications call: `createAuth`, the key providers, the session stores, errors and events.
 * @module jwt-gate
 */
export { createAuth } from './auth.js';
export type { Auth, JwkSet } from './auth.js';
export type { Authenticated } from './authentication/authenticate.js';
export type { IssueOverrides } from './token/claims-to-sign.js';
export type { StartedSession } from './cookies/session-cookies.js';
export type { EndSessionOptions, EndedSession, SignOutOptions } from './session/sign-out.js';
export type { SignInOptions } from './session/sign-in.js';
export type { LoginMetaInput } from './session/login-meta.js';
export type { Login, LoginsOptions } from './session/logins.js';
export type { EndLoginOptions, EndedLogin } from './session/end-login.js';
export type { RefreshOptions } from './session/refresh.js';
export type { RenewOptions } from './session/renew.js';
export type { Claims } from './jws/claims.js';
export type { CookieOptions, SecureHint } from './cookies/cookie.js';
export type { Duration } from './duration.js';
export { AuthError, isAuthError, toHttpError, errorDescriptions } from './errors.js';
export type {
  AuthErrorCode,
  AuthErrorHeaders,
  AuthErrorOptions,
  AuthErrorStatus,
  BearerError,
  HttpError,
  HttpErrorBody,
} from './errors.js';
export type { Algorithm } from './jws/jwa.js';
export type { JwsHeader } from './jws/jws.js';
export { hs256 } from './keys/hs256.js';
export type { HmacSecret, Hs256Options } from './keys/hs256.js';
export type { KeyFilesOptions, KeyPairAlgorithm } from './keys/key-files.js';
export type { BoundKey, KeyProvider, MaybePromise, PublicJwk } from './keys/provider.js';
export { rs256 } from './keys/rs256.js';
export type { Rs256, Rs256Options } from './keys/rs256.js';
export { ps256 } from './keys/ps256.js';
export type { Ps256, Ps256Options } from './keys/ps256.js';
export { es256 } from './keys/es256.js';
export type { Es256, Es256Options } from './keys/es256.js';
export { eddsa } from './keys/eddsa.js';
export type { Eddsa, EddsaOptions } from './keys/eddsa.js';
export type { KeyPairOptions, KeyPairProvider } from './keys/key-pair.js';
export type { KeyInput, RsaKeyInput } from './keys/key-import.js';
export type { Jwk } from './keys/jwk-members.js';
export type { AuthOptions } from './options.js';
export type { TrustedIssuer } from './token/issuers.js';
export type {
  FoundToken,
  RequestContext,
  RequestLike,
  TokenSource,
  TokenSourceName,
} from './authentication/request.js';
export type { TokenCacheOptions } from './token/cache.js';
export { keySet } from './keys/key-set.js';
export type { KeySet, KeySetOptions } from './keys/key-set.js';
export { generateKeyFiles } from './keys/key-dir.js';
export type { GenerateKeyFilesOptions, KeyDirOptions } from './keys/key-dir.js';
export { jwks } from './keys/jwks.js';
export type { JwksOptions } from './keys/jwks.js';
export { oidc } from './keys/oidc.js';
export type { OidcOptions, OidcProvider } from './keys/oidc.js';
export type { RemoteOptions } from './keys/remote.js';
export { memoryStore } from './stores/memory-store.js';
export type { MemoryStore, MemoryStoreOptions } from './stores/memory-store.js';
export { redisStore } from './stores/redis-store.js';
export type {
  DurabilityOptions,
  IoRedisClient,
  NearCacheOptions,
  NodeRedisClient,
  NodeRedisClusterClient,
  NodeRedisSentinelClient,
  RedisClient,
  RedisStore,
  RedisStoreOptions,
} from './stores/redis-store.js';
export type {
  AddedLogin,
  LoginMeta,
  LoginStore,
  NewLogin,
  SessionStatus,
  SessionStore,
  StatusOptions,
  StoreEvent,
  StoredLogin,
} from './stores/store.js';
export type { CsrfOptions } from './authentication/csrf.js';
export type { AuthEvent, KeySkipReason, KeySkippedEvent, RefusedEvent } from './events.js';
export type { EventError } from './event-error.js';
// The options of requireAuth, optionalAuth and jwksHandler, which apps write, and what errors: 'express-jwt'
// and 'koa-jwt' forward, which apps catch.
export type {
  AccessRules,
  ErrorStyle,
  GuardOptions,
  JwksHandlerOptions,
  PeerInnerError,
  SkipRules,
  UnauthorizedErrorCode,
} from './adapter-kit/index.js';
export { UnauthorizedError } from './adapter-kit/peer-errors.js';
// What adapters are built on, kept here until the next minor version: import it from jwt-gate/adapter-kit.
export {
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  authenticatedOf,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  checkAccess,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  createGuard,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  forgettable,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  jwksResponse,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  keepingClearingCookies,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  lateSignIn,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  rememberSession,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  sessionOf,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  toAuth,
} from './adapter-kit/index.js';
export type {
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  Guard,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  GuardContext,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  GuardDecision,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  GuardMode,
  /** @deprecated Import it from `jwt-gate/adapter-kit`; the main entry drops it in the next minor version. */
  JwksResponse,
} from './adapter-kit/index.js';
