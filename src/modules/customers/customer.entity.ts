import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/** E-mail addresses are stored normalised (trimmed, lower-cased), so this index makes them unique. */
export const EMAIL_CONSTRAINT = 'customer_email_unique';
export const MAX_EMAIL_LENGTH = 254;

/**
 * The foreign key of an order to its customer (declared by the order entity): it restricts the
 * customer's delete while orders refer to the customer.
 */
export const ORDER_CUSTOMER_FOREIGN_KEY = 'order_customer_id_fkey';

@Entity('customer')
export class Customer {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'customer_pkey',
  })
  id!: string;

  @Index(EMAIL_CONSTRAINT, { unique: true })
  @Column({ type: 'varchar', length: MAX_EMAIL_LENGTH })
  email!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** The row version (xmin) where the repository read it: the basis of the customer's ETag. */
  version?: string;
}
