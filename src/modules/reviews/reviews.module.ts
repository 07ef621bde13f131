import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogVersionModule } from '../../catalog-version/catalog-version.module';
import { IdempotencyModule } from '../../idempotency/idempotency.module';
import { CustomersModule } from '../customers/customers.module';
import { ProductIncludes } from '../products/product-includes';
import { ProductsModule } from '../products/products.module';
import { ProductRating } from './product-rating.entity';
import { REVIEW_INCLUDES } from './review-includes';
import { Review } from './review.entity';
import { ReviewsController } from './reviews.controller';
import { ReviewsRepository } from './reviews.repository';
import { ReviewsService } from './reviews.service';

/**
 * Reviews of products, by customers or anonymous. Depends on Products (a review's product must
 * exist; reviews add the rating and reviews includes to product reads) and on Customers (a
 * review's customer, whose existence the database checks); neither knows of reviews.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Review, ProductRating]),
    CatalogVersionModule,
    IdempotencyModule,
    ProductsModule,
    CustomersModule,
  ],
  controllers: [ReviewsController],
  providers: [ReviewsService, ReviewsRepository],
})
export class ReviewsModule implements OnModuleInit {
  constructor(private readonly includes: ProductIncludes) {}

  onModuleInit(): void {
    for (const include of REVIEW_INCLUDES) this.includes.register(include);
  }
}
