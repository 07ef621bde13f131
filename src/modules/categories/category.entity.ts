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
  UpdateDateColumn,
} from 'typeorm';

export const MAX_CATEGORY_DEPTH = 100;
/** UNIQUE NULLS NOT DISTINCT (parent_id, name): sibling names are unique, roots included. */
export const SIBLING_NAME_CONSTRAINT = 'category_sibling_name_unique';

@Entity('category')
@Unique(SIBLING_NAME_CONSTRAINT, ['parentId', 'name'])
@Check('category_path_ends_at_itself', '"path"[cardinality("path")] = "id"')
export class Category {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'category_pkey',
  })
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Index('category_parent_id_idx')
  @Column({ name: 'parent_id', type: 'bigint', nullable: true })
  parentId!: string | null;

  @ManyToOne(() => Category, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'parent_id', foreignKeyConstraintName: 'category_parent_id_fkey' })
  parent?: Category | null;

  /**
   * The ids from the root down to this category, kept from parent_id by triggers (see the
   * AddCategoryPath migration); GIN-indexed, for the subtrees of the reports.
   */
  @Index('category_path_idx', { synchronize: false })
  @Column({ type: 'bigint', array: true, select: false, insert: false, update: false })
  path!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** The row version (xmin) where the repository read it: the basis of the category's ETag. */
  version?: string;
}
