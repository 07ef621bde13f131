import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { currentRequestContext } from '../common/request-context';
import { AppConfig } from '../config/configuration';
import { isOperationsRoute, routeTemplateOf } from './http-route';

/** Warns, once per request, when one takes longer than SLOW_REQUEST_MS, with the time it spent in the database. */
@Injectable()
export class LatencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Latency');

  constructor(private readonly config: AppConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { id?: string }>();
    const response = context.switchToHttp().getResponse<Response>();
    const route = routeTemplateOf(request);
    const database = currentRequestContext();
    if (isOperationsRoute(route)) return next.handle();

    const started = process.hrtime.bigint();
    response.once('close', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (durationMs <= this.config.SLOW_REQUEST_MS) return;
      this.logger.warn(
        {
          request_id: request.id,
          method: request.method,
          route,
          status: response.statusCode,
          duration_ms: Math.round(durationMs),
          db_ms: database ? Math.round(database.databaseMs) : undefined,
          db_statements: database?.statements,
        },
        'Slow request',
      );
    });
    return next.handle();
  }
}
