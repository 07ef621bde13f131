import type { Request } from 'express';
import { ValidationFailedError } from '../errors/domain-error';

/**
 * A path that is not validly percent-encoded (`/products/%ZZ`) is a 422. Left to the router, it
 * fails while decoding a route parameter, and Nest turns that URIError into a bare 400 that
 * keeps only the router's message.
 */
export function refuseMalformedPath(
  request: Request,
  _response: unknown,
  next: (error?: unknown) => void,
): void {
  try {
    decodeURIComponent(request.path);
  } catch {
    return next(
      new ValidationFailedError([
        { field: 'path', message: 'The path is not validly percent-encoded.' },
      ]),
    );
  }
  next();
}
