import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Category } from '../categories/category.entity';

export const SKU_CONSTRAINT = 'product_sku_unique';
export const CATEGORY_FOREIGN_KEY = 'product_category_id_fkey';

@Entity('product')
@Check('product_price_non_negative', '"price" >= 0')
@Check(
  'product_category_path_ends_at_category',
  '"category_path"[cardinality("category_path")] IS NOT DISTINCT FROM "category_id"',
)
/** The lowest and highest active price of a category, for its report (see ReportsRepository). */
@Index('product_active_category_id_price_idx', ['categoryId', 'price'], { where: '"is_active"' })
/** A search's price range over active products: its exact total index-only, sort=price ordered. */
@Index('product_active_price_id_idx', ['price', 'id'], { where: '"is_active"' })
export class Product {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'product_pkey',
  })
  id!: string;

  /** Served by a pg_trgm GIN index (made by the migration) for the contains-match of search. */
  @Index('product_title_trgm_idx', { synchronize: false })
  @Column({ type: 'varchar', length: 255 })
  title!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ name: 'image_url', type: 'varchar', length: 2083, nullable: true })
  imageUrl!: string | null;

  @Index(SKU_CONSTRAINT, { unique: true })
  @Column({ type: 'varchar', length: 100 })
  sku!: string;

  /** numeric(12,2), read as a string: money never passes through a float. */
  @Index('product_price_idx')
  @Column({ type: 'numeric', precision: 12, scale: 2 })
  price!: string;

  @Index('product_category_id_idx')
  @Column({ name: 'category_id', type: 'bigint', nullable: true })
  categoryId!: string | null;

  /**
   * The path of the product's category (ids from the root down to it; empty when unlinked), kept
   * by triggers (see the AddProductCategoryPath migration); GIN-indexed, for searches by subtree.
   */
  @Index('product_category_path_idx', { synchronize: false })
  @Column({
    name: 'category_path',
    type: 'bigint',
    array: true,
    select: false,
    insert: false,
    update: false,
  })
  categoryPath!: string[];

  @ManyToOne(() => Category, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'category_id', foreignKeyConstraintName: CATEGORY_FOREIGN_KEY })
  category?: Category | null;

  /** Inactive products are left out of lists and search unless asked for. */
  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** The row version (xmin) where the repository read it: the basis of the product's ETag. */
  version?: string;
}
