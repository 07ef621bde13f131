import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** The first answer to a POST sent with an Idempotency-Key; `status` is null while it is in flight. */
@Entity('idempotency_key')
export class IdempotencyKey {
  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: 'idempotency_key_pkey' })
  key!: string;

  /** SHA-256 of the method, route and canonical body of the first request. */
  @Column({ type: 'char', length: 64 })
  fingerprint!: string;

  @Column({ type: 'integer', nullable: true })
  status!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  response!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  headers!: Record<string, string> | null;

  @Index('idempotency_key_created_at_idx')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
