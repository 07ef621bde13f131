/** Every error code a client can receive, each mapped to exactly one HTTP status below. */
export type ErrorCode =
  | 'validation_failed'
  | 'malformed_json'
  | 'malformed_csv'
  | 'bad_request'
  | 'not_found'
  | 'route_not_found'
  | 'unknown_parent'
  | 'unknown_category'
  | 'unknown_customer'
  | 'unknown_product'
  | 'depth_exceeded'
  | 'cycle'
  | 'duplicate_category_name'
  | 'duplicate_sku'
  | 'insufficient_stock'
  | 'stock_limit'
  | 'duplicate_email'
  | 'duplicate_review'
  | 'customer_has_orders'
  | 'invalid_transition'
  | 'conflict'
  | 'precondition_failed'
  | 'idempotency_key_reused'
  | 'idempotency_in_flight'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'database_unavailable'
  | 'internal_error';

export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'malformed_json':
    case 'malformed_csv':
    case 'bad_request':
      return 400;
    case 'not_found':
    case 'route_not_found':
      return 404;
    case 'duplicate_category_name':
    case 'duplicate_sku':
    case 'insufficient_stock':
    case 'stock_limit':
    case 'duplicate_email':
    case 'duplicate_review':
    case 'customer_has_orders':
    case 'invalid_transition':
    case 'conflict':
    case 'idempotency_in_flight':
      return 409;
    case 'precondition_failed':
      return 412;
    case 'payload_too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'headers_too_large':
      return 431;
    case 'validation_failed':
    case 'unknown_parent':
    case 'unknown_category':
    case 'unknown_customer':
    case 'unknown_product':
    case 'depth_exceeded':
    case 'cycle':
    case 'idempotency_key_reused':
      return 422;
    case 'rate_limited':
      return 429;
    case 'internal_error':
      return 500;
    case 'database_unavailable':
      return 503;
    default: {
      const unmapped: never = code;
      throw new Error(`No HTTP status for error code ${String(unmapped)}`);
    }
  }
}

export interface FieldError {
  field: string;
  message: string;
}

/** Members of a problem beyond the standard ones, named by the contract (say, `items`). */
export type ProblemMembers = Record<string, unknown>;

/** An error a service throws for a rule the client broke; it never mentions HTTP. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    /** Extra problem members the contract names for this code, answered as they are. */
    readonly members?: ProblemMembers,
  ) {
    super(detail);
  }
}

/** The resources a client names by id. */
export type Resource = 'Category' | 'Product' | 'Customer' | 'Review' | 'Order';

export class NotFoundError extends DomainError {
  constructor(resource: Resource, id: string | number) {
    super('not_found', `${resource} ${id} does not exist.`);
  }
}

export class ValidationFailedError extends DomainError {
  constructor(errors: FieldError[]) {
    super('validation_failed', 'The request is invalid; see errors for each field.', errors);
  }
}

/** Why a conditional write changed nothing: the resource is gone (404) or has moved on (412). */
export async function missingOrChanged(
  resource: Resource,
  id: string,
  precondition: unknown,
  exists: (id: string) => Promise<boolean>,
): Promise<DomainError> {
  return precondition && (await exists(id))
    ? new PreconditionFailedError(resource, id)
    : new NotFoundError(resource, id);
}

export class PreconditionFailedError extends DomainError {
  constructor(resource: Resource, id: string) {
    super(
      'precondition_failed',
      `${resource} ${id} has changed since the ETag in If-Match; nothing was written.`,
    );
  }
}
