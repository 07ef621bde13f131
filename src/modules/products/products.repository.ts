import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Product } from './product.entity';
import { RequestScopedRepository } from '../../common/request-context';

export interface ProductValues {
  title: string;
  description: string;
  imageUrl: string | null;
  sku: string;
  price: string;
  categoryId: string | null;
  isActive: boolean;
}

/** The writable columns of a bulk upsert besides sku, with their SQL types. */
export const UPSERT_COLUMNS = {
  title: ['title', 'text'],
  description: ['description', 'text'],
  imageUrl: ['image_url', 'text'],
  price: ['price', 'numeric'],
  categoryId: ['category_id', 'bigint'],
  isActive: ['is_active', 'boolean'],
} as const satisfies Record<Exclude<keyof ProductValues, 'sku'>, readonly [string, string]>;

export type UpsertColumn = keyof typeof UPSERT_COLUMNS;

@Injectable()
export class ProductsRepository extends RequestScopedRepository<Product> {
  constructor(@InjectRepository(Product) repository: Repository<Product>) {
    super(repository);
  }

  /** The product with its row version, in one statement (plain SQL: the hottest read there is). */
  async findById(id: string): Promise<Product | null> {
    const rows = await this.scoped.query<RawProduct[]>(
      `SELECT ${RETURNING} FROM product WHERE id = $1`,
      [id],
    );
    return this.fromRaw(rows)[0] ?? null;
  }

  async exists(id: string): Promise<boolean> {
    return this.scoped.existsBy({ id });
  }

  /** Those of `ids` that exist, by id, in one statement. */
  async findByIds(ids: string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    return this.scoped.find({ where: { id: In(ids) }, order: { id: 'ASC' } });
  }

  /**
   * Up to `limit` + 1 products by id, after `afterId` (keyset) or from `offset`, and the exact
   * count when asked, in one statement: one snapshot, so the total always agrees with the page.
   */
  async findPage(page: {
    limit: number;
    offset: number;
    afterId?: string;
    withTotal: boolean;
    includeInactive: boolean;
  }): Promise<[Product[], number | null]> {
    const active = page.includeInactive ? 'true' : 'is_active';
    const total = page.withTotal
      ? `(SELECT count(*)::int FROM product WHERE ${active})`
      : 'NULL::int';
    const parameters: unknown[] = [page.limit + 1, page.offset];
    const after = page.afterId === undefined ? '' : `AND id > $${parameters.push(page.afterId)}`;
    const rows = await this.scoped.query<Array<RawProduct & { total: number | null }>>(
      `SELECT t.total, p.* FROM (SELECT ${total} AS total) t
       LEFT JOIN LATERAL (SELECT * FROM product WHERE ${active} ${after}
         ORDER BY id LIMIT $1 OFFSET $2) p ON true`,
      parameters,
    );
    // An empty page is one row of nulls beside the total.
    return [this.fromRaw(rows.filter((row) => row.id !== null)), rows[0].total];
  }

  async insert(values: ProductValues): Promise<Product> {
    const result = await this.scoped
      .createQueryBuilder()
      .insert()
      .into(Product)
      .values(values)
      .returning(RETURNING)
      .execute();
    return this.fromRaw(result.raw as RawProduct[])[0];
  }

  /**
   * Applies the changes in one statement, only when the row is at one of `versions` if given;
   * answers null when no row was changed.
   */
  async update(
    id: string,
    changes: Partial<ProductValues>,
    versions?: string[],
  ): Promise<Product | null> {
    const query = this.scoped
      .createQueryBuilder()
      .update(Product)
      .set(changes)
      .where('id = :id', { id });
    if (versions) query.andWhere('xmin::text = ANY(:versions)', { versions });
    const result = await query.returning(RETURNING).execute();
    const [product] = this.fromRaw(result.raw as RawProduct[]);
    return product ?? null;
  }

  /** Deletes the product, only when the row is at one of `versions` if given. */
  async delete(id: string, versions?: string[]): Promise<boolean> {
    const query = this.scoped.createQueryBuilder().delete().from(Product).where('id = :id', { id });
    if (versions) query.andWhere('xmin::text = ANY(:versions)', { versions });
    const result = await query.execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * Inserts the products, or updates the one with the same SKU, in one statement: only `columns`
   * are written (the others keep their value on an update and their default on a create), and a
   * row whose values would not change is left as it is (yet locked, like every matched row, until
   * the transaction ends). SKUs must be distinct. Answers how many rows were created.
   */
  async upsertBySku(
    columns: UpsertColumn[],
    rows: Array<Pick<ProductValues, 'sku'> & Partial<ProductValues>>,
  ): Promise<{ created: number }> {
    if (rows.length === 0) return { created: 0 };
    const names = columns.map((column) => UPSERT_COLUMNS[column][0]);
    const arrays = columns.map((column, index) => `$${index + 2}::${UPSERT_COLUMNS[column][1]}[]`);
    const parameters = [
      rows.map((row) => row.sku),
      ...columns.map((column) => rows.map((row) => row[column] ?? null)),
    ];
    const changes = names.map((name) => `${name} = EXCLUDED.${name}`);
    const current = names.map((name) => `product.${name}`).join(', ');
    const proposed = names.map((name) => `EXCLUDED.${name}`).join(', ');
    const [result] = await this.scoped.query<Array<{ created: number }>>(
      `WITH upserted AS (
         INSERT INTO product (sku, ${names.join(', ')})
         SELECT * FROM unnest($1::text[], ${arrays.join(', ')})
         ON CONFLICT (sku) DO UPDATE SET ${changes.join(', ')}, updated_at = now()
         WHERE (${current}) IS DISTINCT FROM (${proposed})
         RETURNING xmax = 0 AS created
       )
       SELECT count(*) FILTER (WHERE created)::int AS created FROM upserted`,
      parameters,
    );
    return result;
  }

  /** The ids of the products with these SKUs, by SKU. */
  async idsBySku(skus: string[]): Promise<Map<string, string>> {
    if (skus.length === 0) return new Map();
    const rows = await this.scoped.query<Array<{ sku: string; id: string }>>(
      'SELECT sku, id::text AS id FROM product WHERE sku = ANY($1::text[])',
      [skus],
    );
    return new Map(rows.map((row) => [row.sku, row.id]));
  }

  /**
   * The values of `includes` for each of `ids`, in one statement: each include is a scalar
   * expression over the product row `p`.
   */
  async findIncluded(
    ids: string[],
    includes: Array<{ name: string; sql: string }>,
  ): Promise<Map<string, Record<string, unknown>>> {
    const columns = includes.map(({ name, sql }) => `${sql} AS "${name}"`).join(', ');
    const rows = await this.scoped.query<Array<Record<string, unknown> & { id: string }>>(
      `SELECT p.id::text AS id, ${columns} FROM product p WHERE p.id = ANY($1::bigint[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  private fromRaw(rows: RawProduct[]): Product[] {
    return rows.map((row) =>
      Object.assign(new Product(), {
        id: String(row.id),
        title: row.title,
        description: row.description,
        imageUrl: row.image_url,
        sku: row.sku,
        price: row.price,
        categoryId: row.category_id === null ? null : String(row.category_id),
        isActive: row.is_active,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        version: row.version,
      }),
    );
  }
}

interface RawProduct {
  id: string;
  title: string;
  description: string;
  image_url: string | null;
  sku: string;
  price: string;
  category_id: string | null;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
  version: string;
}

const RETURNING = '*, xmin::text AS version';
