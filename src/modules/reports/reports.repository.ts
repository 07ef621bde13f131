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

interface ReportRow {
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

/**
 * The reports of every subtree of `nodes` (rows id, top_id, name: see CategoriesRepository), one
 * row per top_id, ordered by it, in one statement. Prices, stock and its value over the active
 * products only; counts of all products; ratings from the product_rating summaries (never the
 * reviews themselves); units sold and revenue from the product_sales summaries (never the order
 * lines), by the product's current category (a deleted product's summary went with it). Every sum
 * is an exact numeric. The products are aggregated per category first (`by_category`: one pass
 * over the subtrees' products, each joined to its three summaries by primary key), then the few
 * category rows are rolled up into their subtrees: sums of sums, the minimum of minimums.
 */
const reportsOf = (nodes: string) => `
  WITH nodes AS MATERIALIZED (SELECT id, top_id, name FROM ${nodes} n),
  tops AS (
    SELECT top_id, count(*)::int AS categories, min(name) FILTER (WHERE id = top_id) AS name
    FROM nodes GROUP BY top_id
  ),
  by_category AS (
    SELECT p.category_id,
      count(*) AS products,
      count(*) FILTER (WHERE p.is_active) AS active_products,
      min(p.price) FILTER (WHERE p.is_active) AS min_price,
      max(p.price) FILTER (WHERE p.is_active) AS max_price,
      sum(p.price) FILTER (WHERE p.is_active) AS price_sum,
      sum(i.quantity) FILTER (WHERE p.is_active) AS stock_units,
      sum(p.price * i.quantity) FILTER (WHERE p.is_active) AS stock_value,
      sum(r.count) AS review_count,
      sum(r.sum) AS rating_sum,
      sum(s.units_sold) AS units_sold,
      sum(s.revenue) AS revenue
    FROM product p
    LEFT JOIN inventory i ON i.product_id = p.id
    LEFT JOIN product_rating r ON r.product_id = p.id
    LEFT JOIN product_sales s ON s.product_id = p.id
    WHERE p.category_id IN (SELECT id FROM nodes)
    GROUP BY p.category_id
  ),
  by_top AS (
    SELECT n.top_id,
      sum(c.products) AS products,
      sum(c.active_products) AS active_products,
      min(c.min_price) AS min_price,
      max(c.max_price) AS max_price,
      sum(c.price_sum) AS price_sum,
      sum(c.stock_units) AS stock_units,
      sum(c.stock_value) AS stock_value,
      sum(c.review_count) AS review_count,
      sum(c.rating_sum) AS rating_sum,
      sum(c.units_sold) AS units_sold,
      sum(c.revenue) AS revenue
    FROM nodes n JOIN by_category c ON c.category_id = n.id
    GROUP BY n.top_id
  )
  SELECT t.top_id::text AS category_id, t.name, t.categories,
    coalesce(s.products, 0)::text AS products,
    coalesce(s.active_products, 0)::text AS active_products,
    s.min_price::text AS min_price,
    s.max_price::text AS max_price,
    ${roundedMean('s.price_sum', 's.active_products')} AS average_price,
    coalesce(s.stock_units, 0)::text AS stock_units,
    round(coalesce(s.stock_value, 0), 2)::text AS stock_value,
    coalesce(s.units_sold, 0)::text AS units_sold,
    round(coalesce(s.revenue, 0), 2)::text AS revenue,
    ${roundedMean('s.rating_sum', 's.review_count')} AS rating_average,
    coalesce(s.review_count, 0)::text AS review_count
  FROM tops t
  LEFT JOIN by_top s ON s.top_id = t.top_id`;

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

  /** Runs `sql` with its named parameters (`:name`) bound as positional ones. */
  private run<T>(sql: string, parameters: Record<string, unknown>): Promise<T[]> {
    const [query, values] = this.scoped.manager.connection.driver.escapeQueryWithParameters(
      sql,
      parameters,
    );
    return this.scoped.query<T[]>(query, values);
  }
}
