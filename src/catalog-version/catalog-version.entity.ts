import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** The single row of the catalog version; triggers on product and category bump it (see the migration). */
@Entity('catalog_version')
@Check('catalog_version_single_row', '"id" = 1')
export class CatalogVersionRow {
  @PrimaryColumn({ type: 'smallint', default: 1, primaryKeyConstraintName: 'catalog_version_pkey' })
  id!: number;

  @Column({ type: 'bigint' })
  version!: string;
}
