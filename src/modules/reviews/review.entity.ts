import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { Customer } from '../customers/customer.entity';
import { Product } from '../products/product.entity';

export const PRODUCT_FOREIGN_KEY = 'review_product_id_fkey';
export const CUSTOMER_FOREIGN_KEY = 'review_customer_id_fkey';
/** One review per customer and product; anonymous reviews (customer_id null) are not limited. */
export const ONE_REVIEW_PER_CUSTOMER = 'review_product_customer_unique';

@Entity('review')
@Unique(ONE_REVIEW_PER_CUSTOMER, ['productId', 'customerId'])
@Check('review_rating_range', '"rating" >= 1 AND "rating" <= 5')
// The orders of a product's reviews (newest first; by rating either way), read as index ranges.
@Index('review_product_id_created_at_idx', ['productId', 'createdAt', 'id'])
@Index('review_product_id_rating_idx', ['productId', 'rating', 'id'])
export class Review {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'review_pkey',
  })
  id!: string;

  /** Indexed by the two composite indexes above, which lead with it. */
  @Column({ name: 'product_id', type: 'bigint' })
  productId!: string;

  @ManyToOne(() => Product, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'product_id', foreignKeyConstraintName: PRODUCT_FOREIGN_KEY })
  product?: Product;

  /** Null for an anonymous review, and once the customer is deleted (the review stays). */
  @Index('review_customer_id_idx')
  @Column({ name: 'customer_id', type: 'bigint', nullable: true })
  customerId!: string | null;

  @ManyToOne(() => Customer, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: CUSTOMER_FOREIGN_KEY })
  customer?: Customer | null;

  @Column({ type: 'varchar', length: 100 })
  author!: string;

  @Column({ type: 'smallint' })
  rating!: number;

  @Column({ type: 'varchar', length: 255, default: '' })
  title!: string;

  @Column({ type: 'text', default: '' })
  body!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
