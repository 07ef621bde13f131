import { QueryFailedError } from 'typeorm';

interface DriverError {
  code?: string;
  constraint?: string;
}

function driverErrorOf(error: unknown): DriverError | undefined {
  if (error instanceof QueryFailedError) return error.driverError as DriverError;
  if (error instanceof Error) return error as DriverError;
  return undefined;
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
    error instanceof Error && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message))
  );
}
