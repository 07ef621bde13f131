import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES as HTTP_REASONS } from 'node:http';
import type { Duplex } from 'node:stream';
import { CatalogMetrics } from '../../metrics/catalog-metrics';
import { isOperationsRoute } from '../../metrics/http-route';
import type { JsonBodyRefusal } from '../json-body-guard';
import { isDatabaseUnavailable } from './database-errors';
import {
  DomainError,
  ErrorCode,
  FieldError,
  statusOf,
  ValidationFailedError,
} from './domain-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, as every error response of the service carries them. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  request_id?: string;
  errors?: FieldError[];
}

const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Validation failed',
  malformed_json: 'Malformed JSON',
  bad_request: 'Bad request',
  not_found: 'Not found',
  route_not_found: 'Route not found',
  unknown_parent: 'Unknown parent category',
  unknown_category: 'Unknown category',
  depth_exceeded: 'Category tree too deep',
  cycle: 'Category cycle',
  duplicate_category_name: 'Duplicate category name',
  duplicate_sku: 'Duplicate SKU',
  conflict: 'Conflict',
  precondition_failed: 'Precondition failed',
  idempotency_key_reused: 'Idempotency key reused',
  idempotency_in_flight: 'Request in flight',
  payload_too_large: 'Payload too large',
  headers_too_large: 'Request headers too large',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  database_unavailable: 'Service unavailable',
  internal_error: 'Internal server error',
};

interface ClassifiedError {
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
}

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

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.NOT_FOUND]: 'route_not_found',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'payload_too_large',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'unsupported_media_type',
  [HttpStatus.TOO_MANY_REQUESTS]: 'rate_limited',
  [HttpStatus.PRECONDITION_FAILED]: 'precondition_failed',
  [HttpStatus.CONFLICT]: 'conflict',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'database_unavailable',
};

const JSON_TYPES = ['application/json', 'application/*+json'];
export const JSON_BODY_OPTIONS = { type: JSON_TYPES };

/** A write whose body is not JSON is a 415, rather than a body silently ignored. */
export function requireJsonBody(
  request: Request,
  _response: unknown,
  next: (error?: unknown) => void,
): void {
  const hasBody =
    Number(request.headers['content-length'] ?? 0) > 0 ||
    request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !request.is(JSON_TYPES)) {
    return next(
      new DomainError(
        'unsupported_media_type',
        'The request body must be JSON (application/json).',
      ),
    );
  }
  next();
}

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

const problemType = (code: ErrorCode) =>
  `https://catalog.example.com/problems/${code.replaceAll('_', '-')}`;

export function classify(exception: unknown): ClassifiedError {
  if (exception instanceof DomainError) {
    return { code: exception.code, detail: exception.detail, errors: exception.errors };
  }
  if (exception instanceof HttpException) {
    // Nest's own exceptions may carry parser or framework text: answer with a fixed detail.
    const status = exception.getStatus();
    const code = STATUS_CODES[status] ?? (status < 500 ? 'bad_request' : 'internal_error');
    const detail =
      code === 'route_not_found' ? 'No route matches this method and path.' : TITLES[code] + '.';
    return { code, detail };
  }
  if (isDatabaseUnavailable(exception)) {
    return { code: 'database_unavailable', detail: 'The database is unavailable; retry later.' };
  }
  return { code: 'internal_error', detail: 'An unexpected error occurred.' };
}

/** The one place where errors become HTTP responses. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(private readonly metrics: CatalogMetrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request & { id?: string }>();
    const response = context.getResponse<Response>();
    const { code, detail, errors } = classify(exception);
    const status = statusOf(code);
    const requestId = request.id === undefined ? undefined : String(request.id);

    if (!isOperationsRoute(request.path)) this.metrics.httpErrors.inc({ status, code });
    if (status >= 500) {
      this.logger.error({ err: exception, code, requestId }, 'Request failed');
    }
    const problem: ProblemDetails = {
      type: problemType(code),
      title: TITLES[code],
      status,
      detail,
      instance: request.originalUrl ?? request.url,
      code,
      ...(status >= 500 && requestId !== undefined ? { request_id: requestId } : {}),
      ...(errors ? { errors } : {}),
    };
    if (response.headersSent) return;
    response.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }
}
