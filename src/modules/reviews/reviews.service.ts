import { Injectable } from '@nestjs/common';
import { ResultCache } from '../../catalog-version/result-cache.service';
import { decodeCursor, isMicrosecondInstant, keysetPage } from '../../common/cursor';
import { Page } from '../../common/dto/page.dto';
import {
  isForeignKeyViolation,
  isUniqueViolation,
  retryTransientConflicts,
} from '../../common/errors/database-errors';
import { DomainError, NotFoundError } from '../../common/errors/domain-error';
import { isId } from '../../common/pipes/parse-id.pipe';
import { CatalogMetrics } from '../../metrics/catalog-metrics';
import { ProductsService } from '../products/products.service';
import type { ReviewSort } from './dto/review.dto';
import { NO_RATINGS, RatingTotals } from './rating';
import {
  CUSTOMER_FOREIGN_KEY,
  ONE_REVIEW_PER_CUSTOMER,
  PRODUCT_FOREIGN_KEY,
  Review,
} from './review.entity';
import { ReviewsRepository, ReviewValues } from './reviews.repository';

/** What a cursor's sort key must look like for `sort`, so that nothing malformed reaches SQL. */
function isSortKey(sort: ReviewSort): (key: string[]) => boolean {
  switch (sort) {
    case '-created_at':
      return ([createdAt, id, ...rest]) =>
        isMicrosecondInstant(createdAt) && isId(id) && rest.length === 0;
    case '-rating':
    case 'rating':
      return ([rating, id, ...rest]) =>
        /^[1-5]$/.test(rating ?? '') && isId(id) && rest.length === 0;
  }
}

@Injectable()
export class ReviewsService {
  constructor(
    private readonly reviews: ReviewsRepository,
    private readonly products: ProductsService,
    private readonly metrics: CatalogMetrics,
    private readonly results: ResultCache,
  ) {}

  /**
   * Adds a review of an existing product (else 404) and counts it into the product's rating, in
   * one statement. A customer, who must exist (else 422), reviews a product once (else 409); the
   * database decides both, also for racing requests.
   */
  create(values: ReviewValues): Promise<Review> {
    return this.metrics.mutation('review', 'create', async () => {
      await this.products.get(values.productId);
      try {
        return await this.reviews.insert(values);
      } catch (error) {
        throw translate(error, values);
      }
    });
  }

  /** A page of a product's reviews, cached under the catalog version it was read at. */
  list(
    productId: string,
    query: {
      sort: ReviewSort;
      limit: number;
      offset: number;
      cursor?: string;
      includeTotal: boolean;
    },
    catalogVersion: string,
  ): Promise<Page<Review>> {
    return this.results.get(
      catalogVersion,
      `reviews ${productId} ${JSON.stringify(query)}`,
      async () => {
        const after =
          query.cursor === undefined
            ? undefined
            : decodeCursor(query.cursor, query.sort, isSortKey(query.sort));
        const { rows, total } = await this.reviews.findPage({
          productId,
          sort: query.sort,
          limit: query.limit,
          offset: query.offset,
          after,
        });
        // A product that never had a review has no rating summary; one that does not exist neither.
        if (total === null) await this.products.get(productId);
        const page = keysetPage(rows, query.limit, query.sort, (row) => row.key);
        return {
          items: page.items.map((row) => row.review),
          next_cursor: page.next_cursor,
          total: query.includeTotal ? (total ?? 0) : null,
          limit: query.limit,
          offset: query.offset,
        };
      },
    );
  }

  /** The product's rating summary (zeros without reviews), cached under the catalog version. */
  rating(productId: string, catalogVersion: string): Promise<RatingTotals> {
    return this.results.get(catalogVersion, `rating ${productId}`, async () => {
      const totals = await this.reviews.findRatingTotals(productId);
      if (totals) return totals;
      await this.products.get(productId);
      return NO_RATINGS;
    });
  }

  /** Deletes the review and takes it out of its product's rating, in one statement. */
  delete(id: string): Promise<void> {
    return this.metrics.mutation('review', 'delete', async () => {
      // A deadlock is possible only with a delete of the review's product, which cascades.
      if (!(await retryTransientConflicts(() => this.reviews.delete(id))))
        throw new NotFoundError('Review', id);
    });
  }
}

function translate(error: unknown, values: ReviewValues): unknown {
  if (isUniqueViolation(error, ONE_REVIEW_PER_CUSTOMER)) {
    return new DomainError(
      'duplicate_review',
      `Customer ${values.customerId} has already reviewed product ${values.productId}.`,
    );
  }
  if (isForeignKeyViolation(error, CUSTOMER_FOREIGN_KEY)) {
    return new DomainError('unknown_customer', `Customer ${values.customerId} does not exist.`, [
      { field: 'customer_id', message: `customer ${values.customerId} does not exist` },
    ]);
  }
  // The product was deleted after it was found.
  if (isForeignKeyViolation(error, PRODUCT_FOREIGN_KEY)) {
    return new NotFoundError('Product', values.productId);
  }
  return error;
}
