import { STATUS_CODES as HTTP_REASONS } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode, statusOf } from '../errors/domain-error';
import { PROBLEM_CONTENT_TYPE, problemType, TITLES } from '../errors/problem-details';

/**
 * Node answers requests it cannot even parse (headers over 16 KiB, a broken request line) itself,
 * with a bare status; this answers them with a problem document instead.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const code: ErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_request';
  const status = statusOf(code);
  const body = JSON.stringify({
    type: problemType(code),
    title: TITLES[code],
    status,
    detail:
      code === 'headers_too_large'
        ? 'The request line and headers exceed 16 KiB.'
        : 'The request could not be parsed.',
    instance: '/',
    code,
  });
  socket.end(
    `HTTP/1.1 ${status} ${HTTP_REASONS[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
