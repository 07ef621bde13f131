import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { currentRequestContext } from '../common/request-context';
import { AppConfig } from '../config/configuration';
import { CatalogMetrics } from './catalog-metrics';
import { isOperationsRoute, routeTemplateOf, statusClassOf } from '../common/http/route';

/**
 * Once a request is answered: feeds the HTTP metrics (count, duration and in-flight, by method,
 * route template and status class), and warns when it took longer than SLOW_REQUEST_MS, with the
 * time it spent in the database. One interceptor for both: each costs every request.
 */
@Injectable()
export class MetricsInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Latency');

  constructor(
    private readonly metrics: CatalogMetrics,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { id?: string }>();
    const response = context.switchToHttp().getResponse<Response>();
    const route = routeTemplateOf(request);
    if (isOperationsRoute(route)) return next.handle();

    const database = currentRequestContext();
    this.metrics.httpInFlight.inc();
    const started = process.hrtime.bigint();
    // 'close' fires once the response is sent, or the client went away: the gauge never leaks.
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = {
        method: request.method,
        route,
        status_class: statusClassOf(response.statusCode),
      };
      this.metrics.httpDuration.observe(labels, seconds);
      this.metrics.httpRequests.inc(labels);
      this.metrics.httpInFlight.dec();
      if (seconds * 1000 <= this.config.SLOW_REQUEST_MS) return;
      this.logger.warn(
        {
          request_id: request.id,
          method: request.method,
          route,
          status: response.statusCode,
          duration_ms: Math.round(seconds * 1000),
          db_ms: database ? Math.round(database.databaseMs) : undefined,
          db_statements: database?.statements,
        },
        'Slow request',
      );
    });
    return next.handle();
  }
}
