import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Product } from '../products/product.entity';

export const MOVEMENT_KINDS = ['set', 'adjustment', 'order', 'cancellation'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/**
 * One change of a product's quantity, written in the transaction that made it: the deltas of a
 * product's movements add up to its quantity. A set to the quantity it already has changes
 * nothing and writes none (delta is never 0).
 */
@Entity('inventory_movement')
@Index('inventory_movement_product_id_id_idx', ['productId', 'id'])
@Check(
  'inventory_movement_kind',
  `"kind" IN (${MOVEMENT_KINDS.map((kind) => `'${kind}'`).join(', ')})`,
)
@Check('inventory_movement_delta_non_zero', '"delta" <> 0')
export class InventoryMovement {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'inventory_movement_pkey',
  })
  id!: string;

  /** Served, newest first, by the index on (product_id, id). */
  @Column({ name: 'product_id', type: 'bigint' })
  productId!: string;

  @ManyToOne(() => Product, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({
    name: 'product_id',
    foreignKeyConstraintName: 'inventory_movement_product_id_fkey',
  })
  product?: Product;

  @Column({ type: 'varchar', length: 12 })
  kind!: MovementKind;

  /** The quantity after minus the quantity before; never 0. */
  @Column({ type: 'integer' })
  delta!: number;

  @Column({ name: 'quantity_after', type: 'integer' })
  quantityAfter!: number;

  /** The order that took (or gave back) the units; null for sets and adjustments. */
  @Column({ name: 'order_id', type: 'bigint', nullable: true })
  orderId!: string | null;

  // 'Order' by name: Inventory knows nothing of the orders module's code.
  @ManyToOne('Order', { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'inventory_movement_order_id_fkey' })
  order?: unknown;

  @Column({ type: 'varchar', length: 255, default: '' })
  note!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
