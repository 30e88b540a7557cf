/** Whether `value` is a promise or any thenable: what an app's callback or a store may return. */
export const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';

/** `fn(a, b)` as one promise, a throw included: for callers that wait for it anyway. */
export function asPromise<A, B, T>(fn: (a: A, b: B) => T | Promise<T>, a: A, b: B): Promise<T> {
  try {
    const result = fn(a, b);
    return result instanceof Promise ? result : Promise.resolve(result);
  } catch (err) {
    return Promise.reject(err);
  }
}
