import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestScopedRepository } from '../../common/request-context';
import { Inventory, MAX_QUANTITY } from './inventory.entity';
import { InventoryMovement, MovementKind } from './inventory-movement.entity';

/** A stock change as one statement made it: the movement and the inventory after it. */
export interface StockChange {
  movement: InventoryMovement;
  inventory: Inventory;
}

const INVENTORY_COLUMNS = 'product_id, quantity, updated_at';
const MOVEMENT_COLUMNS = 'id, product_id, kind, delta, quantity_after, order_id, note, created_at';

/**
 * The key-share lock on the product row that the movement's foreign key takes anyway, taken
 * first. A product delete locks its row before its cascade locks the inventory row; a stock
 * change that locked the inventory row first and only then waited for the product row (the
 * foreign-key check at the end of the statement) could deadlock with it. Taken in the same order,
 * one simply waits for the other; a deleted product locks nothing and changes nothing.
 */
const LOCK_PRODUCT = 'SELECT id FROM product WHERE id = $1 FOR KEY SHARE';

/**
 * Sets the quantity ($2) in one statement, only when the row is at one of the versions $3 (if not
 * null): the row is locked first (FOR UPDATE re-reads it as the last committed change left it),
 * so the delta of the `set` movement is computed from the quantity it replaces, also when another
 * change committed while this one waited. A set to the quantity the row already has changes
 * nothing and writes no movement; it answers the row as it is. No row: unknown product or stale
 * version.
 */
const SET = `
  WITH product_row AS (${LOCK_PRODUCT}),
  current AS MATERIALIZED (
    SELECT i.product_id, i.quantity, i.updated_at, i.xmin::text AS version
    FROM inventory i JOIN product_row p ON p.id = i.product_id
    WHERE $3::text[] IS NULL OR i.xmin::text = ANY($3::text[])
    FOR UPDATE OF i
  ),
  changed AS (
    UPDATE inventory i SET quantity = $2::integer, updated_at = now()
    FROM current c
    WHERE i.product_id = c.product_id AND c.quantity <> $2::integer
    RETURNING i.product_id, i.quantity, i.updated_at, i.xmin::text AS version,
      i.quantity - c.quantity AS delta
  ),
  movement AS (
    INSERT INTO inventory_movement (product_id, kind, delta, quantity_after)
    SELECT product_id, 'set', delta, quantity FROM changed
  )
  SELECT ${INVENTORY_COLUMNS}, version FROM changed
  UNION ALL
  SELECT ${INVENTORY_COLUMNS}, version FROM current WHERE NOT EXISTS (SELECT FROM changed)`;

/**
 * Adds $2 (negative takes units out) in one conditional statement, and writes the `adjustment`
 * movement with note $3 in the same statement; the condition is checked on the row as it is when
 * locked, so concurrent adjustments can never take the quantity out of 0..MAX_QUANTITY. No row:
 * unknown product, or the quantity would leave its range.
 */
const ADJUST = `
  WITH product_row AS (${LOCK_PRODUCT}),
  adjusted AS (
    UPDATE inventory i SET quantity = i.quantity + $2::integer, updated_at = now()
    FROM product_row p
    WHERE i.product_id = p.id AND i.quantity + $2::integer BETWEEN 0 AND ${MAX_QUANTITY}
    RETURNING i.product_id, i.quantity, i.updated_at, i.xmin::text AS version
  ),
  movement AS (
    INSERT INTO inventory_movement (product_id, kind, delta, quantity_after, note)
    SELECT product_id, 'adjustment', $2::integer, quantity, $3 FROM adjusted
    RETURNING ${MOVEMENT_COLUMNS}
  )
  SELECT m.*, a.quantity, a.updated_at, a.version
  FROM adjusted a JOIN movement m ON m.product_id = a.product_id`;

/**
 * Sets the quantities $2 of the products $1 in one statement, writing a `set` movement of each
 * difference (new minus old, computed from the locked row); rows are locked in ascending product
 * order, and a quantity that does not change writes nothing. Meant for products whose rows the
 * caller's transaction already holds (it just wrote them), so no product lock is taken first.
 */
const SET_MANY = `
  WITH wanted AS (
    SELECT * FROM unnest($1::bigint[], $2::integer[]) AS w(product_id, quantity)
  ),
  current AS MATERIALIZED (
    SELECT i.product_id, i.quantity FROM inventory i JOIN wanted w USING (product_id)
    ORDER BY i.product_id
    FOR UPDATE OF i
  ),
  changed AS (
    UPDATE inventory i SET quantity = w.quantity, updated_at = now()
    FROM current c JOIN wanted w USING (product_id)
    WHERE i.product_id = c.product_id AND c.quantity <> w.quantity
    RETURNING i.product_id, i.quantity, i.quantity - c.quantity AS delta
  ),
  movement AS (
    INSERT INTO inventory_movement (product_id, kind, delta, quantity_after)
    SELECT product_id, 'set', delta, quantity FROM changed
  )
  SELECT count(*)::int AS changed FROM changed`;

/**
 * Takes $2 units of product $1 for order $3 in one conditional statement, and writes the `order`
 * movement in the same statement: the condition is checked on the row as it is when locked (a
 * concurrent order that committed first is seen), so no quantity ever goes below 0. No row: the
 * product has fewer than $2 units (or is gone), and nothing changed.
 */
const TAKE_FOR_ORDER = `
  WITH product_row AS (${LOCK_PRODUCT}),
  taken AS (
    UPDATE inventory i SET quantity = i.quantity - $2::integer, updated_at = now()
    FROM product_row p
    WHERE i.product_id = p.id AND i.quantity >= $2::integer
    RETURNING i.product_id, i.quantity
  ),
  movement AS (
    INSERT INTO inventory_movement (product_id, kind, delta, quantity_after, order_id)
    SELECT product_id, 'order', -$2::integer, quantity, $3::bigint FROM taken
  )
  SELECT product_id, quantity FROM taken`;

/**
 * Gives $2 units of product $1 back from cancelled order $3, with the `cancellation` movement, in
 * one statement. No row: the product is gone, or the quantity would pass MAX_QUANTITY.
 */
const RETURN_FROM_ORDER = `
  WITH product_row AS (${LOCK_PRODUCT}),
  returned AS (
    UPDATE inventory i SET quantity = i.quantity + $2::integer, updated_at = now()
    FROM product_row p
    WHERE i.product_id = p.id AND i.quantity + $2::integer <= ${MAX_QUANTITY}
    RETURNING i.product_id, i.quantity
  ),
  movement AS (
    INSERT INTO inventory_movement (product_id, kind, delta, quantity_after, order_id)
    SELECT product_id, 'cancellation', $2::integer, quantity, $3::bigint FROM returned
  )
  SELECT product_id, quantity FROM returned`;

/** Up to $3 movements of product $1, newest first, before id $2 (keyset) if not null, from offset $4. */
const MOVEMENT_PAGE = `
  SELECT ${MOVEMENT_COLUMNS} FROM inventory_movement
  WHERE product_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint)
  ORDER BY id DESC
  LIMIT $3 OFFSET $4`;

const MOVEMENT_COUNT = 'SELECT count(*) AS total FROM inventory_movement WHERE product_id = $1';

/**
 * The `inventory` include of product reads: a scalar expression over the product row `p` yielding
 * `{ quantity, updated_at }` as jsonb, updated_at as ISO-8601 UTC with milliseconds (or null).
 * Served by the inventory primary key, one probe per product.
 */
export const INVENTORY_INCLUDE_SQL = `(SELECT jsonb_build_object(
    'quantity', i.quantity,
    'updated_at', to_char(i.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  FROM inventory i WHERE i.product_id = p.id)`;

interface InventoryRow {
  product_id: string;
  quantity: number;
  updated_at: Date | null;
  version: string;
}

interface MovementRow {
  id: string;
  product_id: string;
  kind: MovementKind;
  delta: number;
  quantity_after: number;
  order_id: string | null;
  note: string;
  created_at: Date;
}

function toInventory(row: InventoryRow): Inventory {
  return Object.assign(new Inventory(), {
    productId: String(row.product_id),
    quantity: row.quantity,
    updatedAt: row.updated_at,
    version: row.version,
  });
}

function toMovement(row: MovementRow): InventoryMovement {
  return Object.assign(new InventoryMovement(), {
    id: String(row.id),
    productId: String(row.product_id),
    kind: row.kind,
    delta: row.delta,
    quantityAfter: row.quantity_after,
    orderId: row.order_id === null ? null : String(row.order_id),
    note: row.note,
    createdAt: row.created_at,
  });
}

@Injectable()
export class InventoryRepository extends RequestScopedRepository<Inventory> {
  constructor(@InjectRepository(Inventory) repository: Repository<Inventory>) {
    super(repository);
  }

  /** The product's stock with its row version; null for an unknown product. */
  async findByProductId(productId: string): Promise<Inventory | null> {
    const rows = await this.scoped.query<InventoryRow[]>(
      `SELECT ${INVENTORY_COLUMNS}, xmin::text AS version FROM inventory WHERE product_id = $1`,
      [productId],
    );
    return rows.length === 0 ? null : toInventory(rows[0]);
  }

  /**
   * Sets the quantity, only when the row is at one of `versions` if given (see SET); null when
   * the product is unknown or the row has moved on.
   */
  async set(productId: string, quantity: number, versions?: string[]): Promise<Inventory | null> {
    const rows = await this.scoped.query<InventoryRow[]>(SET, [
      productId,
      quantity,
      versions ?? null,
    ]);
    return rows.length === 0 ? null : toInventory(rows[0]);
  }

  /** Sets many products' quantities with their movements (see SET_MANY); answers how many changed. */
  async setMany(stock: Array<{ productId: string; quantity: number }>): Promise<number> {
    if (stock.length === 0) return 0;
    const [{ changed }] = await this.scoped.query<Array<{ changed: number }>>(SET_MANY, [
      stock.map((item) => item.productId),
      stock.map((item) => item.quantity),
    ]);
    return changed;
  }

  /**
   * Adds `delta` units (see ADJUST) and records the movement; null when the product is unknown or
   * the quantity would go below 0 or above MAX_QUANTITY, in which case nothing changed.
   */
  async adjust(productId: string, delta: number, note: string): Promise<StockChange | null> {
    const rows = await this.scoped.query<Array<MovementRow & InventoryRow>>(ADJUST, [
      productId,
      delta,
      note,
    ]);
    if (rows.length === 0) return null;
    return { movement: toMovement(rows[0]), inventory: toInventory(rows[0]) };
  }

  /**
   * Takes `quantity` units of the product for the order, with its `order` movement (see
   * TAKE_FOR_ORDER); false when there are fewer on hand (or the product is gone): nothing changed.
   */
  async takeForOrder(productId: string, quantity: number, orderId: string): Promise<boolean> {
    const rows = await this.scoped.query<unknown[]>(TAKE_FOR_ORDER, [productId, quantity, orderId]);
    return rows.length > 0;
  }

  /**
   * Gives `quantity` units back from the cancelled order, with its `cancellation` movement (see
   * RETURN_FROM_ORDER); false when nothing changed.
   */
  async returnFromOrder(productId: string, quantity: number, orderId: string): Promise<boolean> {
    const rows = await this.scoped.query<unknown[]>(RETURN_FROM_ORDER, [
      productId,
      quantity,
      orderId,
    ]);
    return rows.length > 0;
  }

  /** The quantities on hand of these products, by product id (absent: no such product). */
  async quantitiesOf(productIds: string[]): Promise<Map<string, number>> {
    if (productIds.length === 0) return new Map();
    const rows = await this.scoped.query<Array<{ product_id: string; quantity: number }>>(
      'SELECT product_id, quantity FROM inventory WHERE product_id = ANY($1::bigint[])',
      [productIds],
    );
    return new Map(rows.map((row) => [String(row.product_id), row.quantity]));
  }

  /**
   * Up to `limit` + 1 movements of the product, newest first, before `beforeId` (keyset) or from
   * `offset`; the exact count too when asked, in a second statement run alongside.
   */
  async findMovements(
    productId: string,
    page: { limit: number; offset: number; beforeId?: string; withTotal: boolean },
  ): Promise<[InventoryMovement[], number | null]> {
    const [rows, total] = await Promise.all([
      this.scoped.query<MovementRow[]>(MOVEMENT_PAGE, [
        productId,
        page.beforeId ?? null,
        page.limit + 1,
        page.offset,
      ]),
      page.withTotal
        ? this.scoped.query<Array<{ total: string }>>(MOVEMENT_COUNT, [productId])
        : null,
    ]);
    return [rows.map(toMovement), total === null ? null : Number(total[0].total)];
  }
}
