import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { retryTransientConflicts } from '../../common/errors/database-errors';
import {
  currentRequestContext,
  joiningTransaction,
  RequestScopedRepository,
} from '../../common/request-context';
import { Order, OrderStatus } from './order.entity';
import { OrderLine } from './order-line.entity';

/** One product of an order to place: the lines naming it merged. */
export interface WantedLine {
  productId: string;
  quantity: number;
}

/** A product an order names, as locked for the order. */
export interface OrderableProduct {
  id: string;
  isActive: boolean;
}

/**
 * The version of order `o` with its lines, as one decimal (at most 20 digits): the order row's
 * xmin and the newest xmin of its lines, so that the ETag changes with a status move and also
 * when a product delete sets a line's product_id to null, which leaves the order row as it was.
 */
const ORDER_VERSION = `(o.xmin::text::numeric * 4294967296 + coalesce(
  (SELECT max(l.xmin::text::bigint) FROM order_line l WHERE l.order_id = o.id), 0))::text`;

const ORDER_COLUMNS = `o.id, o.customer_id, o.status, o.item_count, o.total::text AS total,
  o.created_at, o.updated_at, ${ORDER_VERSION} AS version`;

/**
 * The lines of order `o` as a jsonb array in position order; money as exact decimal text. One
 * probe of the order_line primary key per order.
 */
const LINES_OF_ORDER = `(SELECT coalesce(jsonb_agg(jsonb_build_object(
    'product_id', l.product_id, 'sku', l.sku, 'title', l.title,
    'unit_price', l.unit_price::text, 'quantity', l.quantity, 'line_total', l.line_total::text)
    ORDER BY l.position), '[]'::jsonb)
  FROM order_line l WHERE l.order_id = o.id)`;

/**
 * The products of an order ($1), key-share locked in ascending id order (ORDER BY is applied
 * before the lock): the lock that the foreign keys of the order's lines and movements take anyway,
 * taken first and always in the same order, so that two orders naming the same products in
 * different orders, or an order and a product delete, wait for each other instead of deadlocking
 * (see LOCK_PRODUCT of the inventory repository). A deleted product is simply absent.
 */
const LOCK_PRODUCTS = `
  SELECT id, is_active FROM product WHERE id = ANY($1::bigint[]) ORDER BY id FOR KEY SHARE`;

/**
 * Inserts the order of customer $1 and its lines ($2 product ids and $3 quantities, in line order)
 * in one statement, copying each product's sku, title and price as they are now. Every figure is
 * computed here, in numeric: a price never passes through a float. The products were locked (and
 * checked) by LOCK_PRODUCTS in the same transaction, so the join finds every one.
 */
const PLACE = `
  WITH wanted AS (
    SELECT w.product_id, w.quantity, (w.ordinality - 1)::smallint AS position
    FROM unnest($2::bigint[], $3::integer[]) WITH ORDINALITY AS w(product_id, quantity, ordinality)
  ),
  line AS (
    SELECT w.position, p.id AS product_id, p.sku, p.title, p.price AS unit_price, w.quantity,
      p.price * w.quantity AS line_total
    FROM wanted w JOIN product p ON p.id = w.product_id
  ),
  placed AS (
    INSERT INTO "order" (customer_id, item_count, total)
    SELECT $1, sum(quantity)::integer, sum(line_total) FROM line
    RETURNING *
  ),
  lines AS (
    INSERT INTO order_line (order_id, position, product_id, sku, title, unit_price, quantity, line_total)
    SELECT o.id, l.position, l.product_id, l.sku, l.title, l.unit_price, l.quantity, l.line_total
    FROM placed o CROSS JOIN line l
  )
  SELECT o.id FROM placed o`;

/**
 * Moves order $1 from status $2 to $3 in one conditional statement, only when the row is at one
 * of the versions $4 (if not null): of two racing moves from the same status, the second finds
 * the status changed (the row is re-checked once the first commits) and changes nothing. (A
 * SELECT over the UPDATE: TypeORM answers a bare UPDATE as [rows, count], never an empty list.)
 */
const MOVE_STATUS = `
  WITH moved AS (
    UPDATE "order" o SET status = $3, updated_at = now()
    WHERE o.id = $1 AND o.status = $2 AND ($4::text[] IS NULL OR ${ORDER_VERSION} = ANY($4::text[]))
    RETURNING o.id
  )
  SELECT id FROM moved`;

/**
 * The units and revenue of order $1's lines, by product (a deleted product's lines, product_id
 * null, belong to none). Both summary statements run after the order's stock moved, so the
 * transaction already holds the inventory row lock of every product whose summary it changes:
 * two orders never wait for each other on a summary row, and cannot deadlock on one.
 */
const SALES_OF_ORDER = `
  SELECT product_id, sum(quantity) AS units, sum(line_total) AS revenue
  FROM order_line WHERE order_id = $1 AND product_id IS NOT NULL
  GROUP BY product_id ORDER BY product_id`;

/**
 * Counts order $1's lines into their products' sales summaries by atomic increments (INSERT ...
 * ON CONFLICT DO UPDATE adds to the stored values, whatever they are by then; a product's first
 * sale creates its row), never a read-modify-write.
 */
const COUNT_SALES = `
  INSERT INTO product_sales AS sales (product_id, units_sold, revenue)
  SELECT product_id, units, revenue FROM (${SALES_OF_ORDER}) sold
  ON CONFLICT (product_id) DO UPDATE SET
    units_sold = sales.units_sold + EXCLUDED.units_sold,
    revenue = sales.revenue + EXCLUDED.revenue`;

/**
 * Counts cancelled order $1's lines out of their products' sales summaries, by atomic decrements.
 * Only the move that changed the status runs it, so an order is counted out once.
 */
const UNCOUNT_SALES = `
  UPDATE product_sales AS sales SET
    units_sold = sales.units_sold - sold.units,
    revenue = sales.revenue - sold.revenue
  FROM (${SALES_OF_ORDER}) sold
  WHERE sales.product_id = sold.product_id`;

/** $1 the customer, $2 the status to match, or null for any. */
const MATCHES = `($1::bigint IS NULL OR o.customer_id = $1) AND ($2::varchar IS NULL OR o.status = $2)`;

/**
 * Up to $5 matching orders, newest first (created_at, then id, descending), after the order at
 * ($3, $4) (keyset; nulls for none), from offset $6; with their lines, computed only for the
 * page's rows, and the created_at of each to the microsecond for the cursor.
 */
const PAGE = `
  SELECT ${ORDER_COLUMNS}, ${LINES_OF_ORDER} AS lines,
    to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_created_at
  FROM (
    SELECT o.*, o.xmin FROM "order" o
    WHERE ${MATCHES}
      AND ($3::timestamptz IS NULL OR (o.created_at, o.id) < ($3::timestamptz, $4::bigint))
    ORDER BY o.created_at DESC, o.id DESC
    LIMIT $5 OFFSET $6
  ) o
  ORDER BY o.created_at DESC, o.id DESC`;

/**
 * The page beside the exact count of every match, in one statement (one snapshot, so the two
 * always agree); the outer join answers the total even when the page is empty (one row of nulls).
 */
const PAGE_WITH_TOTAL = `
  SELECT matches.total_count, page.*
  FROM (SELECT count(*)::int AS total_count FROM "order" o WHERE ${MATCHES}) matches
  LEFT JOIN (${PAGE}) page ON true
  ORDER BY page.created_at DESC, page.id DESC`;

interface LineRow {
  product_id: number | string | null;
  sku: string;
  title: string;
  unit_price: string;
  quantity: number;
  line_total: string;
}

interface OrderRow {
  id: string | null;
  customer_id: string;
  status: OrderStatus;
  item_count: number;
  total: string;
  created_at: Date;
  updated_at: Date;
  version: string;
  lines: LineRow[];
  cursor_created_at?: string;
  total_count?: number;
}

/** An order as read, with the created_at of its cursor. */
export type ListedOrder = Order & { cursorCreatedAt: string };

function toOrder(row: OrderRow): ListedOrder {
  return Object.assign(new Order(), {
    id: String(row.id),
    customerId: String(row.customer_id),
    status: row.status,
    itemCount: row.item_count,
    total: row.total,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
    cursorCreatedAt: row.cursor_created_at ?? '',
    lines: row.lines.map((line, position) =>
      Object.assign(new OrderLine(), {
        orderId: String(row.id),
        position,
        productId: line.product_id === null ? null : String(line.product_id),
        sku: line.sku,
        title: line.title,
        unitPrice: line.unit_price,
        quantity: line.quantity,
        lineTotal: line.line_total,
      }),
    ),
  });
}

@Injectable()
export class OrdersRepository extends RequestScopedRepository<Order> {
  constructor(@InjectRepository(Order) repository: Repository<Order>) {
    super(repository);
  }

  /**
   * Runs `work` in one transaction that every repository of the request joins (the stock taken by
   * Inventory included). Within an idempotent create that is the request's own transaction, so
   * the key commits with the order; otherwise a new one, run again when chosen as a deadlock or
   * serialization victim.
   */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    if (currentRequestContext()?.transaction) return work();
    return retryTransientConflicts(() =>
      this.scoped.manager.transaction((manager) => joiningTransaction(manager, work)),
    );
  }

  /** The products with these ids that exist, locked for the order in ascending id order. */
  async lockProducts(productIds: string[]): Promise<OrderableProduct[]> {
    if (productIds.length === 0) return [];
    const rows = await this.scoped.query<Array<{ id: string; is_active: boolean }>>(LOCK_PRODUCTS, [
      productIds,
    ]);
    return rows.map((row) => ({ id: String(row.id), isActive: row.is_active }));
  }

  /** Inserts the order and its lines with the products' copies (see PLACE); answers its id. */
  async insert(customerId: string, lines: WantedLine[]): Promise<string> {
    const rows = await this.scoped.query<Array<{ id: string }>>(PLACE, [
      customerId,
      lines.map((line) => line.productId),
      lines.map((line) => line.quantity),
    ]);
    return String(rows[0].id);
  }

  /** The order with its lines and row version. */
  async findById(id: string): Promise<Order | null> {
    const rows = await this.scoped.query<OrderRow[]>(
      `SELECT ${ORDER_COLUMNS}, ${LINES_OF_ORDER} AS lines FROM "order" o WHERE o.id = $1`,
      [id],
    );
    return rows.length === 0 ? null : toOrder(rows[0]);
  }

  async exists(id: string): Promise<boolean> {
    return this.scoped.existsBy({ id });
  }

  /**
   * Moves the order from `from` to `to` (see MOVE_STATUS), only when the row is at one of
   * `versions` if given; false when it changed nothing.
   */
  async moveStatus(
    id: string,
    from: OrderStatus,
    to: OrderStatus,
    versions?: string[],
  ): Promise<boolean> {
    const rows = await this.scoped.query<unknown[]>(MOVE_STATUS, [id, from, to, versions ?? null]);
    return rows.length > 0;
  }

  /** Counts the order's lines into their products' sales summaries (see COUNT_SALES). */
  async countSales(orderId: string): Promise<void> {
    await this.scoped.query(COUNT_SALES, [orderId]);
  }

  /** Counts the cancelled order's lines out of their products' sales summaries (see UNCOUNT_SALES). */
  async uncountSales(orderId: string): Promise<void> {
    await this.scoped.query(UNCOUNT_SALES, [orderId]);
  }

  /**
   * Up to `limit` + 1 orders, newest first, with their lines, after `after` (keyset) or from
   * `offset`; the exact count of all matches when asked, from the same statement.
   */
  async findPage(page: {
    customerId?: string;
    status?: OrderStatus;
    limit: number;
    offset: number;
    after?: { createdAt: string; id: string };
    withTotal: boolean;
  }): Promise<[ListedOrder[], number | null]> {
    const rows = await this.scoped.query<OrderRow[]>(page.withTotal ? PAGE_WITH_TOTAL : PAGE, [
      page.customerId ?? null,
      page.status ?? null,
      page.after?.createdAt ?? null,
      page.after?.id ?? null,
      page.limit + 1,
      page.offset,
    ]);
    const orders = rows.filter((row) => row.id !== null).map(toOrder);
    return [orders, page.withTotal ? (rows[0]?.total_count ?? 0) : null];
  }
}
