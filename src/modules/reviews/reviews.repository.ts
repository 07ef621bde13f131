import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestScopedRepository } from '../../common/request-context';
import type { ReviewSort } from './dto/review.dto';
import { RatingTotals } from './rating';
import { Review } from './review.entity';

export interface ReviewValues {
  productId: string;
  customerId: string | null;
  author: string;
  rating: number;
  title: string;
  body: string;
}

const COLUMNS = 'id, product_id, customer_id, author, rating, title, body, created_at';

/** A timestamptz column as UTC ISO-8601 text to the microsecond, which reads back as the same value. */
const utcText = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Adds a review and counts it into its product's rating summary, in one statement: atomic
 * increments (INSERT ... ON CONFLICT DO UPDATE adds to the stored values, whatever they are by
 * then; a product's first review creates its summary), never a read-modify-write, so concurrent
 * reviews are each counted exactly once. $1 product, $2 customer or null, $3 author, $4 rating,
 * $5 title, $6 body.
 */
const ADD_REVIEW = `
  WITH added AS (
    INSERT INTO review (product_id, customer_id, author, rating, title, body)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING ${COLUMNS}
  ), counted AS (
    INSERT INTO product_rating AS summary
      (product_id, count, sum, count_1, count_2, count_3, count_4, count_5)
    SELECT product_id, 1, rating, (rating = 1)::int, (rating = 2)::int, (rating = 3)::int,
      (rating = 4)::int, (rating = 5)::int
    FROM added
    ON CONFLICT (product_id) DO UPDATE SET
      count = summary.count + 1,
      sum = summary.sum + EXCLUDED.sum,
      count_1 = summary.count_1 + EXCLUDED.count_1,
      count_2 = summary.count_2 + EXCLUDED.count_2,
      count_3 = summary.count_3 + EXCLUDED.count_3,
      count_4 = summary.count_4 + EXCLUDED.count_4,
      count_5 = summary.count_5 + EXCLUDED.count_5
  )
  SELECT ${COLUMNS} FROM added`;

/**
 * Deletes review $1 and takes it out of its product's rating summary, in one statement: the
 * summary is decremented by what the DELETE returns, so a review that two requests delete at
 * once is taken out once. Answers the review's product id, or no row when there was no review.
 */
const DELETE_REVIEW = `
  WITH gone AS (
    DELETE FROM review WHERE id = $1 RETURNING product_id, rating
  ), uncounted AS (
    UPDATE product_rating AS summary SET
      count = summary.count - 1,
      sum = summary.sum - gone.rating,
      count_1 = summary.count_1 - (gone.rating = 1)::int,
      count_2 = summary.count_2 - (gone.rating = 2)::int,
      count_3 = summary.count_3 - (gone.rating = 3)::int,
      count_4 = summary.count_4 - (gone.rating = 4)::int,
      count_5 = summary.count_5 - (gone.rating = 5)::int
    FROM gone
    WHERE summary.product_id = gone.product_id
  )
  SELECT product_id FROM gone`;

const RATING_TOTALS = `
  SELECT count, sum::text AS sum, count_1, count_2, count_3, count_4, count_5
  FROM product_rating WHERE product_id = $1`;

/** How each sort orders a product's reviews, and the keyset condition that continues after a key. */
const SORTS: Record<ReviewSort, { order: string; after: string }> = {
  '-created_at': {
    order: 'created_at DESC, id DESC',
    after: '(created_at, id) < ($4::timestamptz, $5::bigint)',
  },
  '-rating': { order: 'rating DESC, id DESC', after: '(rating, id) < ($4::smallint, $5::bigint)' },
  rating: { order: 'rating ASC, id ASC', after: '(rating, id) > ($4::smallint, $5::bigint)' },
};

/**
 * Up to $2 reviews of product $1 in the order of `sort`, from offset $3 (or, with a keyset, after
 * the key $4, $5), beside the product's review count from its rating summary: one statement, so
 * the total is the count of the very reviews the page was read from, and no aggregate. The outer
 * join answers the count (null when the product never had a review) even when the page is empty.
 */
function pageOf(sort: ReviewSort, keyset: boolean): string {
  const { order, after } = SORTS[sort];
  return `
    SELECT summary.total, page.*
    FROM (SELECT (SELECT count FROM product_rating WHERE product_id = $1) AS total) summary
    LEFT JOIN (
      SELECT ${COLUMNS}, ${utcText('created_at')} AS cursor_created_at FROM review
      WHERE product_id = $1${keyset ? ` AND ${after}` : ''}
      ORDER BY ${order} LIMIT $2 OFFSET $3
    ) page ON true
    ORDER BY ${order.replace(/(\w+) (ASC|DESC)/g, 'page.$1 $2')}`;
}

/** The page statement of each sort, with and without a keyset. */
const PAGES = new Map(
  (Object.keys(SORTS) as ReviewSort[]).flatMap((sort) => [
    [`${sort} keyset`, pageOf(sort, true)],
    [`${sort} offset`, pageOf(sort, false)],
  ]),
);

/**
 * The `rating` include of product reads (see ProductIncludes): product `p`'s review count and
 * rating sum from its summary, as jsonb (the sum as text: exact at any size); null when it never
 * had a review. One primary-key probe per product.
 */
export const RATING_OF_PRODUCT = `(
  SELECT jsonb_build_object('count', summary.count, 'sum', summary.sum::text)
  FROM product_rating summary WHERE summary.product_id = p.id)`;

/**
 * The `reviews` include of product reads: product `p`'s three newest reviews (created_at, then id,
 * descending) as a jsonb array of review rows in that order, `[]` when it has none; created_at as
 * UTC ISO-8601 text. The first three entries of an index range per product.
 */
export const NEWEST_REVIEWS_OF_PRODUCT = `(
  SELECT coalesce(
    jsonb_agg(
      jsonb_build_object(
        'id', newest.id, 'product_id', newest.product_id, 'customer_id', newest.customer_id,
        'author', newest.author, 'rating', newest.rating, 'title', newest.title,
        'body', newest.body, 'created_at', newest.created_at_text)
      ORDER BY newest.created_at DESC, newest.id DESC),
    '[]'::jsonb)
  FROM (
    SELECT r.*, ${utcText('r.created_at')} AS created_at_text
    FROM review r WHERE r.product_id = p.id
    ORDER BY r.created_at DESC, r.id DESC LIMIT 3
  ) newest)`;

interface ReviewRow {
  id: string | number | null;
  product_id: string | number;
  customer_id: string | number | null;
  author: string;
  rating: number;
  title: string;
  body: string;
  created_at: Date | string;
}

interface RatingRow {
  count: number;
  sum: string;
  count_1: number;
  count_2: number;
  count_3: number;
  count_4: number;
  count_5: number;
}

function toReview(row: ReviewRow): Review {
  return Object.assign(new Review(), {
    id: String(row.id),
    productId: String(row.product_id),
    customerId: row.customer_id === null ? null : String(row.customer_id),
    author: row.author,
    rating: row.rating,
    title: row.title,
    body: row.body,
    createdAt: new Date(row.created_at),
  });
}

/** The value of the `reviews` include, as reviews. */
export const reviewsFromJson = (value: unknown): Review[] =>
  (Array.isArray(value) ? (value as ReviewRow[]) : []).map(toReview);

/** The value of the `rating` include, as the count and sum it carries (zero without reviews). */
export function ratingFromJson(value: unknown): Pick<RatingTotals, 'count' | 'sum'> {
  const summary = value as { count: number; sum: string } | null | undefined;
  return summary
    ? { count: BigInt(summary.count), sum: BigInt(summary.sum) }
    : { count: 0n, sum: 0n };
}

/** A page of reviews, each with the key that continues after it, and the product's review count. */
export interface ReviewPage {
  rows: Array<{ review: Review; key: string[] }>;
  /** Null when the product never had a review, or does not exist. */
  total: number | null;
}

@Injectable()
export class ReviewsRepository extends RequestScopedRepository<Review> {
  constructor(@InjectRepository(Review) repository: Repository<Review>) {
    super(repository);
  }

  /** Adds the review and counts it into its product's summary (see ADD_REVIEW). */
  async insert(values: ReviewValues): Promise<Review> {
    const rows = await this.scoped.query<ReviewRow[]>(ADD_REVIEW, [
      values.productId,
      values.customerId,
      values.author,
      values.rating,
      values.title,
      values.body,
    ]);
    return toReview(rows[0]);
  }

  /** Deletes the review and takes it out of its product's summary; false when there is none. */
  async delete(id: string): Promise<boolean> {
    const rows = await this.scoped.query<unknown[]>(DELETE_REVIEW, [id]);
    return rows.length > 0;
  }

  /** The product's rating summary; null when it never had a review (or does not exist). */
  async findRatingTotals(productId: string): Promise<RatingTotals | null> {
    const [row] = await this.scoped.query<RatingRow[]>(RATING_TOTALS, [productId]);
    if (!row) return null;
    return {
      count: BigInt(row.count),
      sum: BigInt(row.sum),
      distribution: [
        BigInt(row.count_1),
        BigInt(row.count_2),
        BigInt(row.count_3),
        BigInt(row.count_4),
        BigInt(row.count_5),
      ],
    };
  }

  /**
   * Up to `limit` + 1 reviews of the product in the order of `sort`, after the key `after`
   * (keyset) or from `offset`, with the product's review count, in one statement.
   */
  async findPage(page: {
    productId: string;
    sort: ReviewSort;
    limit: number;
    offset: number;
    after?: string[];
  }): Promise<ReviewPage> {
    const keyset = page.after !== undefined;
    const rows = await this.scoped.query<
      Array<ReviewRow & { total: number | null; cursor_created_at: string }>
    >(PAGES.get(`${page.sort} ${keyset ? 'keyset' : 'offset'}`)!, [
      page.productId,
      page.limit + 1,
      page.offset,
      ...(page.after ?? []),
    ]);
    return {
      rows: rows
        .filter((row) => row.id !== null)
        .map((row) => ({
          review: toReview(row),
          key: [
            page.sort === '-created_at' ? row.cursor_created_at : String(row.rating),
            String(row.id),
          ],
        })),
      total: rows[0]?.total ?? null,
    };
  }
}
