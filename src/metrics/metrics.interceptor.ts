import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { CatalogMetrics } from './catalog-metrics';
import { isOperationsRoute, routeTemplateOf, statusClassOf } from './http-route';

/** Feeds the HTTP request metrics: count, duration and in-flight, by method, route template and status class. */
@Injectable()
export class MetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: CatalogMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const route = routeTemplateOf(request);
    if (isOperationsRoute(route)) return next.handle();

    this.metrics.httpInFlight.inc();
    const stopTimer = this.metrics.httpDuration.startTimer();
    // 'close' fires once the response is sent, or the client went away: the gauge never leaks.
    response.once('close', () => {
      const labels = {
        method: request.method,
        route,
        status_class: statusClassOf(response.statusCode),
      };
      stopTimer(labels);
      this.metrics.httpRequests.inc(labels);
      this.metrics.httpInFlight.dec();
    });
    return next.handle();
  }
}
