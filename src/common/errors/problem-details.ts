import { HttpException, HttpStatus } from '@nestjs/common';
import { isDatabaseUnavailable } from './database-errors';
import { DomainError, ErrorCode, FieldError, ProblemMembers } from './domain-error';

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

export const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Validation failed',
  malformed_json: 'Malformed JSON',
  malformed_csv: 'Malformed CSV',
  bad_request: 'Bad request',
  not_found: 'Not found',
  route_not_found: 'Route not found',
  unknown_parent: 'Unknown parent category',
  unknown_category: 'Unknown category',
  unknown_customer: 'Unknown customer',
  unknown_product: 'Unknown product',
  depth_exceeded: 'Category tree too deep',
  cycle: 'Category cycle',
  duplicate_category_name: 'Duplicate category name',
  duplicate_sku: 'Duplicate SKU',
  insufficient_stock: 'Insufficient stock',
  stock_limit: 'Stock limit exceeded',
  duplicate_email: 'Duplicate e-mail address',
  duplicate_review: 'Duplicate review',
  customer_has_orders: 'Customer has orders',
  invalid_transition: 'Invalid status transition',
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

export const problemType = (code: ErrorCode): string =>
  `https://catalog.example.com/problems/${code.replaceAll('_', '-')}`;

export interface ClassifiedError {
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
  members?: ProblemMembers;
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

/** What any thrown value answers: a code, a detail safe to show, and field errors if any. */
export function classify(exception: unknown): ClassifiedError {
  if (exception instanceof DomainError) {
    return {
      code: exception.code,
      detail: exception.detail,
      errors: exception.errors,
      members: exception.members,
    };
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
