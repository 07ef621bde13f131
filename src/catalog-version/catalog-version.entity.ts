import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One of the counters whose sum is the catalog version; triggers on product and category bump
 * the counter of the writing connection (see the migrations).
 */
@Entity('catalog_version')
@Check('catalog_version_slot', '"id" >= 1 AND "id" <= 16')
export class CatalogVersionCounter {
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'catalog_version_pkey' })
  id!: number;

  @Column({ type: 'bigint' })
  version!: string;
}
