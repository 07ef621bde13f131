import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { ErrorAnswerObserver } from '../common/errors/problem-details.filter';
import { CatalogMetrics, METRIC_PROVIDERS } from './catalog-metrics';
import { DatabaseMetrics } from './database-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsInterceptor } from './metrics.interceptor';

@Global()
@Module({
  imports: [
    PrometheusModule.register({
      path: '/metrics',
      controller: MetricsController,
      defaultMetrics: { enabled: true },
    }),
  ],
  providers: [
    ...METRIC_PROVIDERS,
    CatalogMetrics,
    DatabaseMetrics,
    { provide: ErrorAnswerObserver, useExisting: CatalogMetrics },
    { provide: APP_INTERCEPTOR, useClass: MetricsInterceptor },
  ],
  exports: [CatalogMetrics, ErrorAnswerObserver],
})
export class MetricsModule {}
