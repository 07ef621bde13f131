import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CatalogVersion } from './catalog-version.service';
import { CatalogWriteInterceptor } from './catalog-write.interceptor';

@Global()
@Module({
  providers: [CatalogVersion, { provide: APP_INTERCEPTOR, useClass: CatalogWriteInterceptor }],
  exports: [CatalogVersion],
})
export class CatalogVersionModule {}
