import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestScopedRepository } from '../../common/request-context';
import type { SqlFragment } from '../categories/categories.repository';
import { Product } from '../products/product.entity';

/** The figures of one category's whole subtree; money as exact decimal strings. */
export interface CategoryReport {
  categoryId: string;
  name: string;
  categories: number;
  products: number;
  activeProducts: number;
  minPrice: string | null;
  maxPrice: string | null;
  averagePrice: string | null;
  stockUnits: number;
  stockValue: string;
  unitsSold: number;
  revenue: string;
  ratingAverage: string | null;
  reviewCount: number;
}

/** A report row as the report statements select it: text figures, exact. */
export interface ReportRow {
  category_id: string;
  name: string;
  categories: number;
  products: string;
  active_products: string;
  min_price: string | null;
  max_price: string | null;
  average_price: string | null;
  stock_units: string;
  stock_value: string;
  units_sold: string;
  revenue: string;
  rating_average: string | null;
  review_count: string;
}

/**
 * `sum / count` rounded half up to two fraction digits, exactly, as text ("4.33"); null when
 * count is 0. Integer arithmetic on numeric: for a sum with at most two fraction digits (prices)
 * or none (ratings), 200 * sum is whole, and the mean in hundredths rounded half up is
 * floor((200 * sum + count) / (2 * count)).
 */
const roundedMean = (sum: string, count: string) =>
  `(div(200 * (${sum}) + (${count}), 2 * nullif(${count}, 0)) * 0.01)::text`;

/** The figures a category's own products add to its reports, as CategoryFigures holds them. */
const SUMS = [
  'products',
  'active_products',
  'price_sum',
  'stock_units',
  'stock_value',
  'review_count',
  'rating_sum',
  'units_sold',
  'revenue',
];

/** The select list of SUMS summed per group of deltas, each under its own name. */
const SUMMED = SUMS.map((sum) => `sum(${sum}) AS ${sum}`).join(', ');

/** The lowest or highest price of category `categoryId`'s active products, by index. */
const activePrice = (bound: 'min' | 'max', categoryId: string) =>
  `(SELECT ${bound}(price) FROM product WHERE category_id = ${categoryId} AND is_active)`;

/**
 * The reports of every subtree of `nodes` (rows id, top_id: see CategoriesRepository), one
 * row per top_id, ordered by it, in one statement, from the figures of each category's own
 * products (never the products themselves): the folded `category_figures` plus the deltas not
 * folded yet, which together are exact in any snapshot (see the CreateCategoryFigures migration).
 * The lowest and highest price of a category with pending deltas are read from its active
 * products by index; the others are the fold's. The category rows are rolled up into their
 * subtrees in one pass (every category has its figures row): sums of sums, the minimum of
 * minimums. Every sum is an exact numeric.
 */
const reportsOf = (nodes: string) => `
  WITH pending AS (
    SELECT category_id, ${SUMMED}
    FROM category_figures_delta GROUP BY category_id
  ),
  by_top AS (
    SELECT n.top_id, count(*)::int AS categories,
      ${SUMS.map((sum) => `sum(f.${sum}) + coalesce(sum(d.${sum}), 0) AS ${sum}`).join(',\n      ')},
      min(CASE WHEN d.category_id IS NULL THEN f.min_price ELSE ${activePrice('min', 'n.id')} END)
        AS min_price,
      max(CASE WHEN d.category_id IS NULL THEN f.max_price ELSE ${activePrice('max', 'n.id')} END)
        AS max_price
    FROM ${nodes} n
    JOIN category_figures f ON f.category_id = n.id
    LEFT JOIN pending d ON d.category_id = n.id
    GROUP BY n.top_id
  )
  SELECT s.top_id::text AS category_id, top.name, s.categories,
    s.products::text AS products,
    s.active_products::text AS active_products,
    s.min_price::text AS min_price,
    s.max_price::text AS max_price,
    ${roundedMean('s.price_sum', 's.active_products')} AS average_price,
    s.stock_units::text AS stock_units,
    round(s.stock_value, 2)::text AS stock_value,
    s.units_sold::text AS units_sold,
    round(s.revenue, 2)::text AS revenue,
    ${roundedMean('s.rating_sum', 's.review_count')} AS rating_average,
    s.review_count::text AS review_count
  FROM by_top s JOIN category top ON top.id = s.top_id`;

/** Key of the transaction-scoped advisory lock that lets one fold of the deltas run at a time. */
export const FOLD_LOCK_KEY = 7_203_318_452;

/**
 * Moves every pending delta into `category_figures`, in one statement: the deltas it deletes are
 * exactly those it adds (one snapshot), and the folded categories' lowest and highest prices are
 * read in that snapshot too. One fold at a time, by a lock taken in the statement: a fold whose
 * snapshot is older than the last one's finds only deltas that one already took. Deltas of
 * categories deleted meanwhile match no row and are dropped. Answers the number of deltas folded.
 */
const FOLD = `
  WITH folding AS (SELECT pg_try_advisory_xact_lock(${FOLD_LOCK_KEY}) AS locked),
  moved AS (
    DELETE FROM category_figures_delta WHERE (SELECT locked FROM folding)
    RETURNING category_id, ${SUMS.join(', ')}
  ),
  summed AS (
    SELECT category_id, ${SUMMED}
    FROM moved GROUP BY category_id
  ),
  folded AS (
    UPDATE category_figures f SET
      ${SUMS.map((sum) => `${sum} = f.${sum} + s.${sum}`).join(',\n      ')},
      min_price = ${activePrice('min', 's.category_id')},
      max_price = ${activePrice('max', 's.category_id')}
    FROM summed s WHERE f.category_id = s.category_id
  )
  SELECT count(*)::int AS deltas FROM moved`;

function toReport(row: ReportRow): CategoryReport {
  return {
    categoryId: row.category_id,
    name: row.name,
    categories: row.categories,
    products: Number(row.products),
    activeProducts: Number(row.active_products),
    minPrice: row.min_price,
    maxPrice: row.max_price,
    averagePrice: row.average_price,
    stockUnits: Number(row.stock_units),
    stockValue: row.stock_value,
    unitsSold: Number(row.units_sold),
    revenue: row.revenue,
    ratingAverage: row.rating_average,
    reviewCount: Number(row.review_count),
  };
}

@Injectable()
export class ReportsRepository extends RequestScopedRepository<Product> {
  constructor(@InjectRepository(Product) repository: Repository<Product>) {
    super(repository);
  }

  /** The report of the one subtree of `subtree` (see CategoriesService.subtreeRows), or null when its root does not exist. */
  async findOne(subtree: SqlFragment): Promise<CategoryReport | null> {
    const rows = await this.run<ReportRow>(reportsOf(subtree.sql), subtree.parameters);
    return rows.length === 0 ? null : toReport(rows[0]);
  }

  /**
   * The reports of the subtrees of a page of children (see CategoriesService.childSubtreeRows),
   * ordered by id, with the number of children and whether their parent exists, in one
   * statement: one snapshot, so the total agrees with the page.
   */
  async findPage(
    children: SqlFragment & { total: string | null; parentExists: string },
  ): Promise<{ reports: CategoryReport[]; total: number | null; parentExists: boolean }> {
    const rows = await this.run<ReportRow & { total: number | null; parent_exists: boolean }>(
      `SELECT t.total, t.parent_exists, r.*
       FROM (SELECT ${children.total ?? 'NULL::int'} AS total, ${children.parentExists} AS parent_exists) t
       LEFT JOIN LATERAL (${reportsOf(children.sql)}) r ON true
       ORDER BY r.category_id::bigint`,
      children.parameters,
    );
    // An empty page is one row of nulls beside the total.
    return {
      reports: rows.filter((row) => row.category_id !== null).map(toReport),
      total: rows[0].total,
      parentExists: rows[0].parent_exists,
    };
  }

  /** Folds the pending deltas into the category figures (see FOLD); answers how many it folded. */
  async fold(): Promise<number> {
    const [{ deltas }] = await this.scoped.query<Array<{ deltas: number }>>(FOLD);
    return deltas;
  }

  /** Runs `sql` with its named parameters (`:name`) bound as positional ones. */
  private run<T>(sql: string, parameters: Record<string, unknown>): Promise<T[]> {
    const [query, values] = this.scoped.manager.connection.driver.escapeQueryWithParameters(
      sql,
      parameters,
    );
    return this.scoped.query<T[]>(query, values);
  }
}
