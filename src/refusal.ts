import { withRealm } from './errors.js';
import { reportRefusal, type EventSink } from './events.js';

/**
 * How an error leaves `verify`, `authenticate` and `refresh`: an AuthError named for the realm and
 * reported to `onEvent`; anything else unchanged. Built once per `Auth`, so the request path makes no closure.
 */
export interface Refusal {
  /** `err` as it leaves: for `throw` in an async function. */
  readonly error: (err: unknown) => unknown;
  /** A promise rejected with `error(err)`. */
  readonly reject: (err: unknown) => Promise<never>;
  /** `result` as a promise: a value costs one resolved promise; a rejection leaves through `reject`. */
  readonly settle: <T>(result: T | Promise<T>) => Promise<T>;
}

export function createRefusal(emit: EventSink | undefined, realm: string): Refusal {
  const error = (err: unknown): unknown => reportRefusal(emit, withRealm(err, realm));
  const reject = (err: unknown): Promise<never> => Promise.reject(error(err));
  const settle = <T>(result: T | Promise<T>): Promise<T> =>
    result instanceof Promise ? result.catch(reject) : Promise.resolve(result);
  return Object.freeze({ error, reject, settle });
}
