import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Product } from '../products/product.entity';

/**
 * The sales summary of a product: units and revenue of its lines in orders that are not
 * cancelled, changed by atomic increments in the order's transaction (see OrdersRepository
 * countSales and uncountSales), so that a report reads one row per product instead of the order
 * lines. A product that was never ordered has no row; a deleted product's row goes with it.
 */
@Entity('product_sales')
@Check('product_sales_units_sold_non_negative', '"units_sold" >= 0')
@Check('product_sales_revenue_non_negative', '"revenue" >= 0')
export class ProductSales {
  @PrimaryColumn({
    name: 'product_id',
    type: 'bigint',
    primaryKeyConstraintName: 'product_sales_pkey',
  })
  productId!: string;

  @ManyToOne(() => Product, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'product_id', foreignKeyConstraintName: 'product_sales_product_id_fkey' })
  product?: Product;

  @Column({ name: 'units_sold', type: 'bigint' })
  unitsSold!: string;

  /** Exact: the sum of the lines' numeric totals. */
  @Column({ type: 'numeric' })
  revenue!: string;

  /**
   * The category this row's figures are counted under in the category reports (a copy of the
   * product's, rewritten by a trigger when that changes; see CreateCategoryFigures).
   */
  @Column({ name: 'counted_category_id', type: 'bigint', nullable: true })
  countedCategoryId!: string | null;
}
