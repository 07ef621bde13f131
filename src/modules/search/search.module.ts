import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogVersionModule } from '../../catalog-version/catalog-version.module';
import { CategoriesModule } from '../categories/categories.module';
import { Product } from '../products/product.entity';
import { ProductsModule } from '../products/products.module';
import { SearchController } from './search.controller';
import { SearchRepository } from './search.repository';
import { SearchService } from './search.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Product]),
    CatalogVersionModule,
    CategoriesModule,
    ProductsModule,
  ],
  controllers: [SearchController],
  providers: [SearchService, SearchRepository],
})
export class SearchModule {}
