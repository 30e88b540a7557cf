/**
 * What an adapter for another framework is built on.
 * @module jwt-gate/adapter-kit
 */
// `jwt-gate/adapter-kit`: what an adapter for a framework is built on. jwt-gate/express and jwt-gate/koa
// use nothing else besides the main entry; an adapter for another framework needs nothing more.
export { answerOf } from './answer.js';
export { checkAccess } from './access.js';
export type { AccessRules } from './access.js';
export { clearingCookiesOnce, keepingClearingCookies } from './clearing-cookies.js';
export { createGuard, toAuth } from './guard.js';
export {
  calledByExpress,
  calledByFastify,
  calledByKoa,
  checkCookieTarget,
  frameworkOf,
  refusedByKoa,
  wrongCall,
  wrongFramework,
} from './host.js';
export type { Framework } from './host.js';
export type { ErrorStyle, PeerInnerError, UnauthorizedErrorCode } from './peer-errors.js';
export type { Guard, GuardContext, GuardDecision, GuardMode, GuardOptions } from './guard.js';
export { endRequestLogin, requestLogins, requestedSid } from './logins.js';
export { jwksResponse } from './publish.js';
export { refreshAnswer } from './refresh-answer.js';
export type { JwksHandlerOptions, JwksResponse } from './publish.js';
export { authenticatedOf, rememberSession, sessionOf } from './request-session.js';
export type { SkipRules } from './skip.js';
export { forgettable, lateSignIn, signingIn } from './unawaited.js';
