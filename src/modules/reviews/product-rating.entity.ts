import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Product } from '../products/product.entity';

/**
 * The rating summary of a product's reviews, changed by atomic increments in the statement that
 * adds or removes a review (see ReviewsRepository), so that it is exact under any concurrency and
 * a read costs no aggregate. A product that never had a review has no row.
 */
@Entity('product_rating')
@Check(
  'product_rating_counts_non_negative',
  '"count_1" >= 0 AND "count_2" >= 0 AND "count_3" >= 0 AND "count_4" >= 0 AND "count_5" >= 0',
)
@Check(
  'product_rating_count_is_total',
  '"count" = "count_1" + "count_2" + "count_3" + "count_4" + "count_5"',
)
@Check(
  'product_rating_sum_is_total',
  '"sum" = "count_1" + 2 * "count_2" + 3 * "count_3" + 4 * "count_4" + 5 * "count_5"',
)
export class ProductRating {
  @PrimaryColumn({
    name: 'product_id',
    type: 'bigint',
    primaryKeyConstraintName: 'product_rating_pkey',
  })
  productId!: string;

  @ManyToOne(() => Product, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'product_id', foreignKeyConstraintName: 'product_rating_product_id_fkey' })
  product?: Product;

  /** The number of reviews. */
  @Column({ type: 'integer' })
  count!: number;

  /** The sum of their ratings. */
  @Column({ type: 'bigint' })
  sum!: string;

  @Column({ name: 'count_1', type: 'integer' })
  count1!: number;

  @Column({ name: 'count_2', type: 'integer' })
  count2!: number;

  @Column({ name: 'count_3', type: 'integer' })
  count3!: number;

  @Column({ name: 'count_4', type: 'integer' })
  count4!: number;

  @Column({ name: 'count_5', type: 'integer' })
  count5!: number;

  /**
   * The category this row's figures are counted under in the category reports (a copy of the
   * product's, rewritten by a trigger when that changes; see CreateCategoryFigures).
   */
  @Column({ name: 'counted_category_id', type: 'bigint', nullable: true })
  countedCategoryId!: string | null;
}
