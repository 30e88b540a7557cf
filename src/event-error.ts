/**
 * What an outage event says of its cause: an `Error` with the cause's `name`, `message` and, when it
 * had a string one, `code`, as enumerable members (so `JSON.stringify` and loggers print them), and
 * nothing else: no command, no arguments, no cause chain, no client stack.
 */
export interface EventError extends Error {
  /** The cause's string `code` (`ECONNREFUSED`, `ETIMEDOUT`), or its own cause's (fetch puts it there). */
  readonly code?: string;
}

// Redis quotes an unknown command's first arguments in its reply ("ERR unknown command 'MGET', with
// args beginning with: 'jwt-gate:{sub:...}'"): keys that name a subject, ids, a script.
const QUOTED_ARGUMENTS = /,? with args beginning with:[\s\S]*$/;

const stringCode = (value: unknown): string | undefined => {
  const code: unknown =
    typeof value === 'object' && value !== null ? (value as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
};

function bare(name: string, message: string, code: string | undefined): EventError {
  const error = new Error(message);
  const member = (value: string): PropertyDescriptor => ({ value, enumerable: true });
  Object.defineProperties(error, {
    name: member(name),
    message: member(message),
    // Where the client threw says nothing about the outage, and our own frames even less.
    stack: { value: `${name}: ${message}` },
    ...(code === undefined ? {} : { code: member(code) }),
  });
  return Object.freeze(error);
}

/** The cause of an outage as an event may carry it; whatever was thrown, even a value whose members throw. */
export function eventError(cause: unknown): EventError {
  try {
    if (typeof cause !== 'object' || cause === null || typeof (cause as Error).message !== 'string')
      return bare('Error', 'jwt-gate: the dependency failed with a value that is not an Error', undefined);
    const { name, message } = cause as Error;
    return bare(
      typeof name === 'string' ? name : 'Error',
      message.replace(QUOTED_ARGUMENTS, ''),
      stringCode(cause) ?? stringCode((cause as Error).cause),
    );
  } catch {
    return bare('Error', 'jwt-gate: the dependency failed with an error that cannot be read', undefined);
  }
}
