import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';
// A client's id is echoed only when it is short and printable, so it can't break a log line.
const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

type RequestWithId = IncomingMessage & { id?: string };

/**
 * The first middleware of the app: every response, even one for an unknown route or an
 * unparseable body, carries the request id.
 */
export function assignRequestId(
  request: RequestWithId,
  response: ServerResponse,
  next: () => void,
): void {
  const sent = request.headers['x-request-id'];
  request.id = typeof sent === 'string' && CLIENT_REQUEST_ID.test(sent) ? sent : randomUUID();
  response.setHeader(REQUEST_ID_HEADER, request.id);
  next();
}
