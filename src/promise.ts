/** Whether `value` is a promise or any thenable: what an app's callback or a store may return. */
export const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
