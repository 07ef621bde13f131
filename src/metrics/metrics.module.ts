import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { CatalogMetrics, METRIC_PROVIDERS } from './catalog-metrics';
import { DatabaseMetrics } from './database-metrics';
import { MetricsInterceptor } from './metrics.interceptor';

@Global()
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: true } })],
  providers: [
    ...METRIC_PROVIDERS,
    CatalogMetrics,
    DatabaseMetrics,
    { provide: APP_INTERCEPTOR, useClass: MetricsInterceptor },
  ],
  exports: [CatalogMetrics],
})
export class MetricsModule {}
