import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SharedRedisModule } from '../redis/redis.module';
import { CatalogVersionCounter } from './catalog-version.entity';
import { CatalogVersionRepository } from './catalog-version.repository';
import { CatalogVersion } from './catalog-version.service';
import { CatalogVersionInterceptor } from './catalog-version.interceptor';
import { ResultCache } from './result-cache.service';

@Module({
  imports: [TypeOrmModule.forFeature([CatalogVersionCounter]), SharedRedisModule],
  providers: [
    CatalogVersion,
    CatalogVersionRepository,
    ResultCache,
    { provide: APP_INTERCEPTOR, useClass: CatalogVersionInterceptor },
  ],
  exports: [CatalogVersion, CatalogVersionRepository, ResultCache],
})
export class CatalogVersionModule {}
