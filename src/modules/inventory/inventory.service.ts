import { Injectable } from '@nestjs/common';
import { decodeCursor, keysetPage } from '../../common/cursor';
import { Page } from '../../common/dto/page.dto';
import { DomainError } from '../../common/errors/domain-error';
import { Precondition, versionsOf } from '../../common/etag';
import { isId } from '../../common/pipes/parse-id.pipe';
import { CatalogMetrics, MutationOperation } from '../../metrics/catalog-metrics';
import { ProductsService } from '../products/products.service';
import { Inventory, MAX_QUANTITY } from './inventory.entity';
import { InventoryMovement } from './inventory-movement.entity';
import { InventoryRepository, StockChange } from './inventory.repository';

/** A product's units asked for by an order, or given back by its cancellation. */
export interface StockLine {
  productId: string;
  quantity: number;
}

/** A product an order asked more units of than there were on hand. */
export interface ShortStock {
  productId: string;
  requested: number;
  available: number;
}

/** Ascending order of bigint ids held as strings. */
const compareIds = (a: string, b: string): number =>
  a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** Movements are paged newest first: by id, descending. */
const MOVEMENT_ORDER = '-id';

@Injectable()
export class InventoryService {
  constructor(
    private readonly inventory: InventoryRepository,
    private readonly products: ProductsService,
    private readonly metrics: CatalogMetrics,
  ) {}

  /** The stock of a product, with its row version; 404 for an unknown product. */
  async get(productId: string): Promise<Inventory> {
    const inventory = await this.inventory.findByProductId(productId);
    if (inventory) return inventory;
    throw await this.noInventory(productId);
  }

  /**
   * Sets the quantity, writing a `set` movement of the difference when it changes; with a
   * precondition, only on the version it names (else 412, nothing written).
   */
  set(productId: string, quantity: number, precondition?: Precondition): Promise<Inventory> {
    return this.counted('set', productId, async () => {
      const inventory = await this.inventory.set(productId, quantity, versionsOf(precondition));
      if (inventory) return inventory;
      if (precondition) {
        await this.requireProduct(productId);
        throw new DomainError(
          'precondition_failed',
          `The inventory of product ${productId} has changed since the ETag in If-Match; nothing was written.`,
        );
      }
      throw await this.noInventory(productId);
    });
  }

  /**
   * Sets the quantities of many products, each change with its `set` movement, in one statement;
   * for products the caller's transaction (joiningTransaction) has just written. Answers how many
   * quantities changed.
   */
  setMany(stock: Array<{ productId: string; quantity: number }>): Promise<number> {
    return this.inventory.setMany(stock);
  }

  /**
   * Adds `delta` units (takes them out when negative) and records the `adjustment` movement, in
   * one statement. 409 `insufficient_stock` below 0, `stock_limit` above MAX_QUANTITY; then
   * nothing changed.
   */
  adjust(productId: string, delta: number, note: string): Promise<StockChange> {
    return this.counted('adjust', productId, async () => {
      const change = await this.inventory.adjust(productId, delta, note);
      if (change) return change;
      await this.requireProduct(productId);
      throw delta < 0
        ? new DomainError(
            'insufficient_stock',
            `Product ${productId} has fewer than ${-delta} units on hand; nothing changed.`,
          )
        : new DomainError(
            'stock_limit',
            `Adding ${delta} units would take product ${productId} above ${MAX_QUANTITY}; nothing changed.`,
          );
    });
  }

  /**
   * Takes the stock of an order's products, in ascending product id order (the order that every
   * taker locks in, so two orders cannot deadlock), one conditional statement each. Answers the
   * products that were short, with the units asked for and on hand; when any is, the caller must
   * roll the transaction back (the units taken from the others are in it). After the first short
   * product the others are only read, to name every short one.
   */
  async takeForOrder(orderId: string, lines: StockLine[]): Promise<ShortStock[]> {
    const sorted = [...lines].sort((a, b) => compareIds(a.productId, b.productId));
    const short: StockLine[] = [];
    for (const line of sorted) {
      if (short.length > 0) continue;
      if (!(await this.inventory.takeForOrder(line.productId, line.quantity, orderId)))
        short.push(line);
    }
    if (short.length === 0) return [];
    const rest = sorted.slice(sorted.indexOf(short[0]));
    const onHand = await this.inventory.quantitiesOf(rest.map((line) => line.productId));
    return rest
      .map((line) => ({
        productId: line.productId,
        requested: line.quantity,
        available: onHand.get(line.productId) ?? 0,
      }))
      .filter((item, index) => index === 0 || item.available < item.requested);
  }

  /**
   * Gives back the stock of a cancelled order's lines, in ascending product id order, each with
   * its `cancellation` movement. A deleted product has no stock to get back; a quantity that would
   * pass MAX_QUANTITY is a 409 `stock_limit` (the caller's transaction then rolls back).
   */
  async returnFromOrder(orderId: string, lines: StockLine[]): Promise<void> {
    const sorted = [...lines].sort((a, b) => compareIds(a.productId, b.productId));
    for (const line of sorted) {
      if (await this.inventory.returnFromOrder(line.productId, line.quantity, orderId)) continue;
      if ((await this.inventory.quantitiesOf([line.productId])).size === 0) continue;
      throw new DomainError(
        'stock_limit',
        `Giving back ${line.quantity} units would take product ${line.productId} above ${MAX_QUANTITY}; nothing changed.`,
      );
    }
  }

  /** A page of the product's movements, newest first; 404 for an unknown product. */
  async movements(
    productId: string,
    query: { limit: number; offset: number; cursor?: string; includeTotal: boolean },
  ): Promise<Page<InventoryMovement>> {
    const beforeId =
      query.cursor === undefined
        ? undefined
        : decodeCursor(query.cursor, MOVEMENT_ORDER, ([id]) => isId(id))[0];
    const [rows, total] = await this.inventory.findMovements(productId, {
      ...query,
      beforeId,
      withTotal: query.includeTotal,
    });
    if (rows.length === 0) await this.requireProduct(productId);
    const page = keysetPage(rows, query.limit, MOVEMENT_ORDER, (movement) => [movement.id]);
    return { ...page, total, limit: query.limit, offset: query.offset };
  }

  /** Products answers for its own: a 404 for an unknown product. */
  private async requireProduct(productId: string): Promise<void> {
    await this.products.get(productId);
  }

  /** Why a product has no inventory row: it does not exist (every product gets one when inserted). */
  private async noInventory(productId: string): Promise<Error> {
    await this.requireProduct(productId);
    return new Error(`Product ${productId} exists without an inventory row`);
  }

  /** Counts and logs a stock change under the product's id. */
  private async counted<T>(
    operation: MutationOperation,
    productId: string,
    change: () => Promise<T>,
  ): Promise<T> {
    const { result } = await this.metrics.mutation('inventory', operation, async () => ({
      id: productId,
      result: await change(),
    }));
    return result;
  }
}
