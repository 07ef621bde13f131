import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createLoggerModule } from './common/logging/logger.module';
import { AppConfig } from './config/configuration';
import { dataSourceOptions } from './database/data-source-options';
import { HealthModule } from './health/health.module';
import { CategoriesModule } from './categories/categories.module';
import { ProductsModule } from './products/products.module';
import { SearchModule } from './search/search.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** The database to use: DATABASE_URL, or the embedded server's URL. */
  databaseUrl: string;
  prettyLogs?: boolean;
}

@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl, prettyLogs = false }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        createLoggerModule(config.LOG_LEVEL, prettyLogs),
        TypeOrmModule.forRoot({
          ...dataSourceOptions({
            url: databaseUrl,
            poolSize: config.DB_POOL_SIZE,
            runMigrations: config.DB_RUN_MIGRATIONS,
          }),
          autoLoadEntities: true,
          entities: [],
        }),
        HealthModule,
        CategoriesModule,
        // Before Products, so that /products/search is routed ahead of /products/:id.
        SearchModule,
        ProductsModule,
      ],
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
      global: true,
    };
  }
}
