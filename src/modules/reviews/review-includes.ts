import type { ProductInclude } from '../products/product-includes';
import { RatingSummaryDto, ReviewDto } from './dto/review.dto';
import {
  NEWEST_REVIEWS_OF_PRODUCT,
  RATING_OF_PRODUCT,
  ratingFromJson,
  reviewsFromJson,
} from './reviews.repository';

/** The fields reviews add to product reads: `rating: { average, count }` and the 3 newest reviews. */
export const REVIEW_INCLUDES: ProductInclude[] = [
  {
    name: 'rating',
    sql: RATING_OF_PRODUCT,
    toDto: (value) => RatingSummaryDto.from(ratingFromJson(value)),
  },
  {
    name: 'reviews',
    sql: NEWEST_REVIEWS_OF_PRODUCT,
    toDto: (value) => reviewsFromJson(value).map((review) => ReviewDto.from(review)),
  },
];
