import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { createLoggerModule, LoggingOptions } from './common/logging/logger.module';
import { AppConfig } from './config/configuration';
import { dataSourceOptions } from './database/data-source-options';
import { ReadReplicasInterceptor } from './database/read-replicas.interceptor';
import { HealthModule } from './health/health.module';
import { CatalogVersionModule } from './catalog-version/catalog-version.module';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { CatalogTransferModule } from './modules/catalog-transfer/catalog-transfer.module';
import { CategoriesModule } from './modules/categories/categories.module';
import { InventoryModule } from './modules/inventory/inventory.module';
import { OrdersModule } from './modules/orders/orders.module';
import { CustomersModule } from './modules/customers/customers.module';
import { ProductsModule } from './modules/products/products.module';
import { ReportsModule } from './modules/reports/reports.module';
import { ReviewsModule } from './modules/reviews/reviews.module';
import { SearchModule } from './modules/search/search.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** The database to use: DATABASE_URL, or the embedded server's URL. */
  databaseUrl: string;
  logging?: Partial<Omit<LoggingOptions, 'level'>>;
}

@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl, logging = {} }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        createLoggerModule({ level: config.LOG_LEVEL, pretty: false, ...logging }),
        TypeOrmModule.forRoot({
          ...dataSourceOptions({
            url: databaseUrl,
            replicaUrls: config.DATABASE_READ_URLS,
            poolSize: config.DB_POOL_SIZE,
            runMigrations: config.DB_RUN_MIGRATIONS,
            statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
            queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
            poolTimeoutMs: config.DB_POOL_TIMEOUT_MS,
          }),
          autoLoadEntities: true,
          entities: [],
        }),
        HealthModule,
        MetricsModule,
        RateLimitModule,
        // For the read-replica routing below.
        CatalogVersionModule,
        CategoriesModule,
        // Before Products, so that /products/search is routed ahead of /products/:id.
        SearchModule,
        // Before Products too, for /products/export.
        CatalogTransferModule,
        ProductsModule,
        // Above Products: its routes (/products/:id/inventory...) and include depend on it.
        InventoryModule,
        CustomersModule,
        ReviewsModule,
        OrdersModule,
        // /categories/:id/report has a segment more than every Categories route: no clash.
        ReportsModule,
      ],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        ...(config.DATABASE_READ_URLS?.length
          ? [{ provide: APP_INTERCEPTOR, useClass: ReadReplicasInterceptor }]
          : []),
      ],
      exports: [AppConfig],
      global: true,
    };
  }
}
