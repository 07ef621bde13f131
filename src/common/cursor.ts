import { ValidationFailedError } from './errors/domain-error';

/**
 * Keyset cursors: the sort they belong to and the sort key of the last item of a page, as
 * base64url JSON. Opaque to clients; checked on the way back in, so that a cursor can never reach
 * the database as anything but well-formed values.
 */
export function encodeCursor(sort: string, key: string[]): string {
  return Buffer.from(JSON.stringify([sort, ...key])).toString('base64url');
}

export function decodeCursor(
  cursor: string,
  sort: string,
  isValidKey: (key: string[]) => boolean,
): string[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (
    Array.isArray(decoded) &&
    decoded[0] === sort &&
    decoded.every((part) => typeof part === 'string') &&
    isValidKey(decoded.slice(1))
  ) {
    return decoded.slice(1);
  }
  throw new ValidationFailedError([
    {
      field: 'cursor',
      message: 'cursor is not valid for this query; use the next_cursor of the previous page',
    },
  ]);
}

/**
 * Trims a page read with one row more than `limit` and, when that extra row exists, makes the
 * cursor that continues after the last item kept.
 */
export function keysetPage<T>(
  rows: T[],
  limit: number,
  sort: string,
  keyOf: (item: T) => string[],
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, next_cursor: more ? encodeCursor(sort, keyOf(items[items.length - 1])) : null };
}

const MICROSECOND_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * A real UTC instant to the microsecond, as keyset pages write a created_at into their cursors
 * (`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`), so that it reads
 * back as the same timestamptz.
 */
export function isMicrosecondInstant(text: string | undefined): boolean {
  if (text === undefined || !MICROSECOND_INSTANT.test(text) || text.startsWith('0000'))
    return false;
  const date = new Date(text);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 23) === text.slice(0, 23);
}
