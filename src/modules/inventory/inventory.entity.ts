import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Product } from '../products/product.entity';

/** The most units of one product the store may hold. */
export const MAX_QUANTITY = 1_000_000_000;

/**
 * The units on hand of one product: one row per product, inserted with the product by a trigger
 * (and backfilled for those that existed before), so every product reads 0 until its first change.
 */
@Entity('inventory')
@Check('inventory_quantity_range', `"quantity" >= 0 AND "quantity" <= ${MAX_QUANTITY}`)
export class Inventory {
  @PrimaryColumn({ name: 'product_id', type: 'bigint', primaryKeyConstraintName: 'inventory_pkey' })
  productId!: string;

  @OneToOne(() => Product, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'product_id', foreignKeyConstraintName: 'inventory_product_id_fkey' })
  product?: Product;

  @Column({ type: 'integer', default: 0 })
  quantity!: number;

  /**
   * The product's category, price and active flag as this row's stock is counted in the category
   * reports: copies, written with the row and rewritten by a trigger when the product's change
   * (see CreateCategoryFigures), so a stock change and a product change are ordered by this row's lock.
   */
  @Column({ name: 'counted_category_id', type: 'bigint', nullable: true })
  countedCategoryId!: string | null;

  @Column({ name: 'counted_price', type: 'numeric', precision: 12, scale: 2 })
  countedPrice!: string;

  @Column({ name: 'counted_active', type: 'boolean' })
  countedActive!: boolean;

  /** Null until the quantity first changes. */
  @Column({ name: 'updated_at', type: 'timestamptz', nullable: true })
  updatedAt!: Date | null;

  /** The row version (xmin) where the repository read it: the basis of the inventory's ETag. */
  version?: string;
}
