import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CatalogVersion } from './catalog-version.service';
import { CatalogWriteInterceptor } from './catalog-write.interceptor';
import { ResultCache } from './result-cache';

@Global()
@Module({
  providers: [
    CatalogVersion,
    ResultCache,
    { provide: APP_INTERCEPTOR, useClass: CatalogWriteInterceptor },
  ],
  exports: [CatalogVersion, ResultCache],
})
export class CatalogVersionModule {}
