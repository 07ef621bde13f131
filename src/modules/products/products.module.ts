import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogVersionModule } from '../../catalog-version/catalog-version.module';
import { IdempotencyModule } from '../../idempotency/idempotency.module';
import { ProductIncludes } from './product-includes';
import { Product } from './product.entity';
import { ProductsController } from './products.controller';
import { ProductsRepository } from './products.repository';
import { ProductsService } from './products.service';

@Module({
  imports: [TypeOrmModule.forFeature([Product]), CatalogVersionModule, IdempotencyModule],
  controllers: [ProductsController],
  providers: [ProductsService, ProductsRepository, ProductIncludes],
  exports: [ProductsService, ProductIncludes],
})
export class ProductsModule {}
