import { ArgumentsHost, Catch, ExceptionFilter, Logger, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isOperationsRoute } from '../http/route';
import { ErrorCode, statusOf } from './domain-error';
import {
  classify,
  PROBLEM_CONTENT_TYPE,
  ProblemDetails,
  problemType,
  TITLES,
} from './problem-details';

/** Told of every error answer to API traffic (the metrics module counts them). */
export abstract class ErrorAnswerObserver {
  abstract answered(status: number, code: ErrorCode): void;
}

/**
 * The one place where errors thrown while handling a request become HTTP responses (requests Node
 * cannot even parse never reach it: answerClientError answers those).
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(@Optional() private readonly observer?: ErrorAnswerObserver) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request & { id?: string }>();
    const response = context.getResponse<Response>();
    const { code, detail, errors, members } = classify(exception);
    const status = statusOf(code);
    const requestId = request.id === undefined ? undefined : String(request.id);

    if (!isOperationsRoute(request.path)) this.observer?.answered(status, code);
    if (status >= 500) {
      this.logger.error({ err: exception, code, requestId }, 'Request failed');
    }
    const problem: ProblemDetails = {
      // The contract's own members first, so that none can replace a standard one.
      ...members,
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
