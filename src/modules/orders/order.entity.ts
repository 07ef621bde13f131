import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Customer, ORDER_CUSTOMER_FOREIGN_KEY } from '../customers/customer.entity';
import { OrderLine } from './order-line.entity';

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The one place that says which status moves are allowed: `pending -> paid -> shipped ->
 * delivered`, and `pending` or `paid` -> `cancelled`. Anything else is an invalid transition.
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

export const canMove = (from: OrderStatus, to: OrderStatus): boolean =>
  TRANSITIONS[from].includes(to);

/** The customer's delete is refused (restricted) while orders refer to the customer. */
export const CUSTOMER_FOREIGN_KEY = ORDER_CUSTOMER_FOREIGN_KEY;

/** The most lines an order may have, and the most units one line may ask for. */
export const MAX_LINES = 100;
export const MAX_LINE_QUANTITY = 10_000;

@Entity('order')
// A customer's orders, newest first; all orders; the orders of one status (descending: made by
// the migration, which TypeORM cannot express).
@Index('order_customer_id_created_at_id_idx', { synchronize: false })
@Index('order_created_at_id_idx', { synchronize: false })
@Index('order_status_created_at_id_idx', { synchronize: false })
@Check('order_status', `"status" IN (${ORDER_STATUSES.map((status) => `'${status}'`).join(', ')})`)
@Check('order_item_count_positive', '"item_count" > 0')
export class Order {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'order_pkey',
  })
  id!: string;

  @Column({ name: 'customer_id', type: 'bigint' })
  customerId!: string;

  @ManyToOne(() => Customer, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: CUSTOMER_FOREIGN_KEY })
  customer?: Customer;

  @Column({ type: 'varchar', length: 12, default: 'pending' })
  status!: OrderStatus;

  /** The sum of the lines' quantities. */
  @Column({ name: 'item_count', type: 'integer' })
  itemCount!: number;

  /** The exact sum of the line totals, computed by PostgreSQL; a decimal string. */
  @Column({ type: 'numeric', precision: 18, scale: 2 })
  total!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @OneToMany(() => OrderLine, (line) => line.order)
  lines?: OrderLine[];

  /** The row version (xmin) where the repository read it: the basis of the order's ETag. */
  version?: string;
}
