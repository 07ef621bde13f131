import {
  Check,
  Column,
  Entity,
  JoinColumn,
  OneToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Category } from '../categories/category.entity';

/**
 * What a category's own products add to the reports of its subtrees: the figures of
 * CategoryReport before the rollup. Written by triggers (as deltas) and by ReportsRepository.fold
 * only; see the CreateCategoryFigures migration.
 */
abstract class Figures {
  @Column({ type: 'bigint' })
  products!: string;

  @Column({ name: 'active_products', type: 'bigint' })
  activeProducts!: string;

  /** The sum of the active products' prices. */
  @Column({ name: 'price_sum', type: 'numeric' })
  priceSum!: string;

  @Column({ name: 'stock_units', type: 'bigint' })
  stockUnits!: string;

  @Column({ name: 'stock_value', type: 'numeric' })
  stockValue!: string;

  @Column({ name: 'review_count', type: 'bigint' })
  reviewCount!: string;

  @Column({ name: 'rating_sum', type: 'bigint' })
  ratingSum!: string;

  @Column({ name: 'units_sold', type: 'bigint' })
  unitsSold!: string;

  @Column({ type: 'numeric' })
  revenue!: string;
}

/** The folded figures of one category, with its lowest and highest active price as of the fold. */
@Entity('category_figures')
@Check(
  'category_figures_counts_in_range',
  `"active_products" >= 0
          AND "active_products" <= "products" AND "stock_units" >= 0 AND "review_count" >= 0
          AND "rating_sum" >= "review_count" AND "rating_sum" <= 5 * "review_count"
          AND "units_sold" >= 0 AND "revenue" >= 0`,
)
export class CategoryFigures extends Figures {
  @PrimaryColumn({
    name: 'category_id',
    type: 'bigint',
    primaryKeyConstraintName: 'category_figures_pkey',
  })
  categoryId!: string;

  @OneToOne(() => Category, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({
    name: 'category_id',
    foreignKeyConstraintName: 'category_figures_category_id_fkey',
  })
  category?: Category;

  @Column({ name: 'min_price', type: 'numeric', precision: 12, scale: 2, nullable: true })
  minPrice!: string | null;

  @Column({ name: 'max_price', type: 'numeric', precision: 12, scale: 2, nullable: true })
  maxPrice!: string | null;
}

/** A change of a category's figures not folded yet: appended by the summary tables' triggers. */
@Entity('category_figures_delta')
export class CategoryFiguresDelta extends Figures {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'category_figures_delta_pkey',
  })
  id!: string;

  /** No foreign key: a delta of a category deleted meanwhile is dropped by the next fold. */
  @Column({ name: 'category_id', type: 'bigint' })
  categoryId!: string;
}
