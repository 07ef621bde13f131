import type { Request } from 'express';
import { DomainError, ValidationFailedError } from '../errors/domain-error';
import { findPrototypeKey, type JsonBodyRefusal } from './json-body-guard';

const JSON_TYPES = ['application/json', 'application/*+json'];
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
export const JSON_BODY_OPTIONS = { type: JSON_TYPES };

/** Body-parser signals its failures with a `type` on the error. */
interface BodyParserError {
  type?: string;
}

/**
 * Express error middleware placed right after the body parser: Nest would otherwise turn a parse
 * failure into a plain 400 carrying the parser's own message.
 */
export function translateBodyParserError(
  error: unknown,
  _request: unknown,
  _response: unknown,
  next: (error: unknown) => void,
): void {
  if (error instanceof DomainError) return next(error);
  switch ((error as BodyParserError).type) {
    case 'entity.refused':
      return next(
        new ValidationFailedError([
          { field: (error as JsonBodyRefusal).field, message: (error as Error).message },
        ]),
      );
    case 'entity.parse.failed':
      return next(new DomainError('malformed_json', 'The request body is not valid JSON.'));
    case 'entity.too.large':
      return next(new DomainError('payload_too_large', 'The request body is larger than 1 MiB.'));
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return next(
        new DomainError('unsupported_media_type', 'The request body must be UTF-8 JSON.'),
      );
    default:
      return next(new DomainError('bad_request', 'The request body could not be read.'));
  }
}

/** A route that reads a body of another media type itself (an import's CSV), exempt from the JSON rule. */
export interface OtherBodyRoute {
  method: string;
  /** The path as requested, prefix included, without the query string. */
  path: string;
  types: string[];
}

/**
 * A write whose body is not JSON is a 415, rather than a body silently ignored; a route among
 * `others` takes the media types it names instead (and reads the body itself).
 */
export function requireJsonBody(others: OtherBodyRoute[] = []) {
  return (request: Request, _response: unknown, next: (error?: unknown) => void): void => {
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 ||
      request.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return next();
    const other = others.find(
      (route) => route.method === request.method && route.path === request.path,
    );
    const charset = charsetOf(request);
    const utf8 = charset === undefined || charset === 'utf-8' || charset === 'utf8';
    if (other) {
      if (request.is(other.types) && utf8) return next();
      return next(
        new DomainError(
          'unsupported_media_type',
          `The request body must be ${other.types.join(' or ')} in UTF-8.`,
        ),
      );
    }
    if (!request.is(JSON_TYPES)) {
      return next(
        new DomainError(
          'unsupported_media_type',
          'The request body must be JSON (application/json).',
        ),
      );
    }
    // The body guard reads the bytes as UTF-8: a body the parser would decode otherwise is refused.
    if (!utf8) {
      return next(
        new DomainError('unsupported_media_type', 'The request body must be UTF-8 JSON.'),
      );
    }
    next();
  };
}

/** The charset a request's Content-Type names, lower-cased, if any. */
export const charsetOf = (request: Request): string | undefined =>
  CHARSET.exec(request.headers['content-type'] ?? '')?.[1].toLowerCase();

/**
 * Refuses a parsed body holding, at any depth, a key named after a prototype member:
 * class-transformer skips such keys and Nest's ValidationPipe deletes `__proto__` and
 * `constructor`, so an unknown field of that name would pass as no field at all.
 */
export function refusePrototypeKeys(
  request: Request,
  _response: unknown,
  next: (error?: unknown) => void,
): void {
  const found = findPrototypeKey(request.body);
  if (found === undefined) return next();
  const { field, key } = found;
  const message =
    field === key
      ? `The field ${key} is not allowed.`
      : `${field} holds the key ${key}, which is not allowed.`;
  next(new ValidationFailedError([{ field, message }]));
}
