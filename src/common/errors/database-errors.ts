import { QueryFailedError } from 'typeorm';

interface DriverError {
  code?: string;
  constraint?: string;
}

// Errors from Node's own sockets may come from another realm, so no `instanceof Error` here.
function driverErrorOf(error: unknown): (DriverError & { message?: unknown }) | undefined {
  if (error instanceof QueryFailedError) return error.driverError as DriverError;
  return typeof error === 'object' && error !== null ? error : undefined;
}

/** True when `error` is PostgreSQL's unique violation on the named constraint. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError = driverErrorOf(error);
  return driverError?.code === '23505' && driverError.constraint === constraint;
}

/** True when `error` is PostgreSQL's foreign-key violation, on the named constraint if given. */
export function isForeignKeyViolation(error: unknown, constraint?: string): boolean {
  const driverError = driverErrorOf(error);
  return (
    driverError?.code === '23503' &&
    (constraint === undefined || driverError.constraint === constraint)
  );
}

// Connection refused/reset, admin shutdown, too many connections, statement timeout,
// pool timeout, serialization failure and deadlock: the database cannot serve right now.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '40001',
  '40P01',
]);
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  // A statement after a query timeout on the same connection, which QueryTimeoutSubscriber closed.
  /Client was closed and is not queryable/i,
  /Connection terminated/i,
  /Client has encountered a connection error/i,
  /the database system is (starting up|shutting down)/i,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  const driverError = driverErrorOf(error);
  if (
    driverError?.code &&
    (UNAVAILABLE_CODES.has(driverError.code) || driverError.code.startsWith('08'))
  ) {
    return true;
  }
  return (
    isQueryReadTimeout(error) ||
    (error instanceof Error && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message)))
  );
}

/** pg's own query_timeout passed without an answer from the server: a bare Error, without a code. */
export function isQueryReadTimeout(error: unknown): boolean {
  return driverErrorOf(error)?.message === 'Query read timeout';
}

/** PostgreSQL gave up on the transaction to break a deadlock or a serialization conflict. */
export function isTransientConflict(error: unknown): boolean {
  const code = driverErrorOf(error)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Runs `work` again, up to `attempts` times in all, while PostgreSQL aborts it for a deadlock or a
 * serialization conflict; the last such error is answered as 503 by the problem filter.
 */
export async function retryTransientConflicts<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransientConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt * Math.random()));
    }
  }
}
