import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Product } from '../products/product.entity';
import type { Order } from './order.entity';

/**
 * One product of an order, with the copy of what was sold: the product's `sku`, `title` and
 * `price` (`unit_price`) when the order was placed. Deleting the product only unlinks the line.
 */
@Entity('order_line')
@Check('order_line_quantity_positive', '"quantity" > 0')
@Check('order_line_total_exact', '"line_total" = "unit_price" * "quantity"')
export class OrderLine {
  @PrimaryColumn({ name: 'order_id', type: 'bigint', primaryKeyConstraintName: 'order_line_pkey' })
  orderId!: string;

  /** 0-based: the lines in the order their products first appear in the request. */
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'order_line_pkey' })
  position!: number;

  // 'Order' by name: the two entity files need not import each other at load time.
  @ManyToOne('Order', 'lines', { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'order_line_order_id_fkey' })
  order?: Order;

  /** Null once the product is deleted; the copy below stays. A product delete finds its lines by it. */
  @Index('order_line_product_id_idx')
  @Column({ name: 'product_id', type: 'bigint', nullable: true })
  productId!: string | null;

  @ManyToOne(() => Product, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'product_id', foreignKeyConstraintName: 'order_line_product_id_fkey' })
  product?: Product | null;

  @Column({ type: 'varchar', length: 100 })
  sku!: string;

  @Column({ type: 'varchar', length: 255 })
  title!: string;

  @Column({ name: 'unit_price', type: 'numeric', precision: 12, scale: 2 })
  unitPrice!: string;

  @Column({ type: 'integer' })
  quantity!: number;

  @Column({ name: 'line_total', type: 'numeric', precision: 18, scale: 2 })
  lineTotal!: string;
}
