import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogVersionModule } from '../../catalog-version/catalog-version.module';
import { IdempotencyModule } from '../../idempotency/idempotency.module';
import { CategoriesModule } from '../categories/categories.module';
import { CategoriesService } from '../categories/categories.service';
import { ProductIncludes } from './product-includes';
import { Product } from './product.entity';
import { ProductsController } from './products.controller';
import { ProductsRepository } from './products.repository';
import { ProductsService } from './products.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Product]),
    CatalogVersionModule,
    IdempotencyModule,
    CategoriesModule,
  ],
  controllers: [ProductsController],
  providers: [ProductsService, ProductsRepository, ProductIncludes],
  exports: [ProductsService, ProductIncludes],
})
export class ProductsModule implements OnModuleInit {
  constructor(
    private readonly includes: ProductIncludes,
    private readonly categories: CategoriesService,
  ) {}

  onModuleInit(): void {
    this.includes.register({
      name: 'category',
      sql: this.categories.summaryOf('p.category_id'),
      // jsonb_build_object already answers { id, name, parent_id }, or null when unlinked.
      toDto: (value) => value,
    });
  }
}
