import { withRealm } from './errors.js';
import { reportRefusal, type RefusalContext, type RefusalReporter, type RefusalRequest } from './events.js';

/**
 * How an error leaves `verify`, `authenticate` and `refresh`: an AuthError named for the realm and
 * reported to `onEvent` with what `req` and `context` tell of the request; anything else unchanged.
 * Built once per `Auth`, so the request path makes no closure.
 */
export interface Refusal {
  /** `err` as it leaves: for `throw` in an async function. */
  readonly error: (err: unknown, req?: RefusalRequest, context?: RefusalContext) => unknown;
  /** A promise rejected with `error(err)`. */
  readonly reject: (err: unknown, req?: RefusalRequest, context?: RefusalContext) => Promise<never>;
  /** `result` as a promise: a value costs one resolved promise; a rejection leaves through `reject`. */
  readonly settle: <T>(result: T | Promise<T>, req?: RefusalRequest, context?: RefusalContext) => Promise<T>;
}

export function createRefusal(report: RefusalReporter | undefined, realm: string): Refusal {
  const error = (err: unknown, req?: RefusalRequest, context?: RefusalContext): unknown =>
    reportRefusal(report, withRealm(err, realm), req, context);
  const reject = (err: unknown, req?: RefusalRequest, context?: RefusalContext): Promise<never> =>
    Promise.reject(error(err, req, context));
  const settle = <T>(result: T | Promise<T>, req?: RefusalRequest, context?: RefusalContext): Promise<T> =>
    result instanceof Promise
      ? result.catch((err: unknown) => reject(err, req, context))
      : Promise.resolve(result);
  return Object.freeze({ error, reject, settle });
}
