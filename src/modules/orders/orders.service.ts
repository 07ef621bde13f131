import { Injectable } from '@nestjs/common';
import { decodeCursor, isMicrosecondInstant, keysetPage } from '../../common/cursor';
import { Page } from '../../common/dto/page.dto';
import { isForeignKeyViolation } from '../../common/errors/database-errors';
import {
  DomainError,
  FieldError,
  NotFoundError,
  PreconditionFailedError,
} from '../../common/errors/domain-error';
import { Precondition, satisfies, versionsOf } from '../../common/etag';
import { isId } from '../../common/pipes/parse-id.pipe';
import { CatalogMetrics } from '../../metrics/catalog-metrics';
import { InventoryService, ShortStock } from '../inventory/inventory.service';
import { canMove, CUSTOMER_FOREIGN_KEY, Order, OrderStatus } from './order.entity';
import { ListedOrder, OrdersRepository, WantedLine } from './orders.repository';

/** Orders are listed newest first: created_at, then id, descending. */
const ORDER_SORT = '-created_at';

/** A line of an order to place, as the client sent it. */
export interface OrderLineInput {
  productId: string;
  quantity: number;
}

/**
 * The lines merged by product, in the order each product first appears, with the index of its
 * first line (the one a 422 names).
 */
export function mergeLines(lines: OrderLineInput[]): Array<WantedLine & { index: number }> {
  const merged = new Map<string, WantedLine & { index: number }>();
  lines.forEach((line, index) => {
    const seen = merged.get(line.productId);
    if (seen) seen.quantity += line.quantity;
    else merged.set(line.productId, { ...line, index });
  });
  return [...merged.values()];
}

@Injectable()
export class OrdersService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly inventory: InventoryService,
    private readonly metrics: CatalogMetrics,
  ) {}

  async get(id: string): Promise<Order> {
    const order = await this.orders.findById(id);
    if (!order) throw new NotFoundError('Order', id);
    return order;
  }

  /** A page of orders, newest first, with their lines (only a customer's, or one status's, if given). */
  async list(query: {
    customerId?: string;
    status?: OrderStatus;
    limit: number;
    offset: number;
    cursor?: string;
    includeTotal: boolean;
  }): Promise<Page<Order>> {
    const after =
      query.cursor === undefined
        ? undefined
        : decodeCursor(
            query.cursor,
            ORDER_SORT,
            ([createdAt, id, ...rest]) =>
              isMicrosecondInstant(createdAt) && isId(id) && rest.length === 0,
          );
    const [rows, total] = await this.orders.findPage({
      ...query,
      after: after && { createdAt: after[0], id: after[1] },
      withTotal: query.includeTotal,
    });
    const page = keysetPage<ListedOrder>(rows, query.limit, ORDER_SORT, (order) => [
      order.cursorCreatedAt,
      order.id,
    ]);
    return { ...page, total, limit: query.limit, offset: query.offset };
  }

  /**
   * Places an order in one transaction: merges the lines by product, checks the customer and
   * products (422 naming the field), inserts the order with the products' copies, then takes the
   * stock of every product (see InventoryService.takeForOrder) and counts the lines into the
   * products' sales summaries. Any short product rolls it all back: 409 `insufficient_stock` with
   * every short product.
   */
  place(customerId: string, lines: OrderLineInput[]): Promise<Order> {
    const started = process.hrtime.bigint();
    const merged = mergeLines(lines);
    return this.metrics.mutation('order', 'create', async () => {
      try {
        const order = await this.orders.transaction(async () => {
          await this.requireOrderable(merged);
          const orderId = await this.insert(customerId, merged);
          const short = await this.inventory.takeForOrder(orderId, merged);
          if (short.length > 0) throw insufficientStock(short);
          await this.orders.countSales(orderId);
          return (await this.orders.findById(orderId))!;
        });
        this.metrics.orderPlaced(order, secondsSince(started));
        return order;
      } catch (error) {
        this.metrics.orderRefused(error, secondsSince(started));
        throw error;
      }
    });
  }

  /**
   * Moves the order to `to` if the transition map allows it from its current status, with one
   * conditional statement (409 `invalid_transition` otherwise); with a precondition, only on the
   * version it names (else 412). Cancelling gives the stock of every line back and counts the
   * lines out of the sales summaries in the same transaction: only the move that changed the
   * status does, so it happens exactly once.
   */
  move(id: string, to: OrderStatus, precondition?: Precondition): Promise<Order> {
    return this.metrics.mutation('order', 'update', () =>
      this.orders.transaction(async () => {
        // Each round that changes nothing saw another move win; statuses only move forward, so
        // this ends within as many rounds as there are statuses.
        for (;;) {
          const current = await this.get(id);
          if (!satisfies(precondition, current.version!))
            throw new PreconditionFailedError('Order', id);
          if (!canMove(current.status, to)) {
            throw new DomainError(
              'invalid_transition',
              `Order ${id} cannot move from ${current.status} to ${to}.`,
            );
          }
          if (!(await this.orders.moveStatus(id, current.status, to, versionsOf(precondition))))
            continue;
          if (to === 'cancelled') {
            await this.inventory.returnFromOrder(
              id,
              current.lines!.flatMap((line) =>
                line.productId === null
                  ? []
                  : [{ productId: line.productId, quantity: line.quantity }],
              ),
            );
            await this.orders.uncountSales(id);
            this.metrics.orderCancelled(id);
          }
          return (await this.orders.findById(id))!;
        }
      }),
    );
  }

  /** 422 for every line naming a product that does not exist or is inactive; nothing written. */
  private async requireOrderable(lines: Array<WantedLine & { index: number }>): Promise<void> {
    const found = new Map(
      (await this.orders.lockProducts(lines.map((line) => line.productId))).map((product) => [
        product.id,
        product,
      ]),
    );
    const errors: FieldError[] = lines.flatMap(({ productId, index }) => {
      const product = found.get(productId);
      if (product?.isActive) return [];
      const message = product
        ? `product ${productId} is inactive and cannot be ordered`
        : `product ${productId} does not exist`;
      return [{ field: `lines[${index}].product_id`, message }];
    });
    if (errors.length > 0) {
      throw new DomainError(
        'unknown_product',
        'An order line names a product that does not exist or is inactive; nothing was written.',
        errors,
      );
    }
  }

  /** Inserts the order; an unknown customer (the foreign key says so) is a 422. */
  private async insert(customerId: string, lines: WantedLine[]): Promise<string> {
    try {
      return await this.orders.insert(customerId, lines);
    } catch (error) {
      if (isForeignKeyViolation(error, CUSTOMER_FOREIGN_KEY)) {
        throw new DomainError('unknown_customer', `Customer ${customerId} does not exist.`, [
          { field: 'customer_id', message: `customer ${customerId} does not exist` },
        ]);
      }
      throw error;
    }
  }
}

const secondsSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

function insufficientStock(short: ShortStock[]): DomainError {
  return new DomainError(
    'insufficient_stock',
    `Not enough stock for ${short.length} product${short.length === 1 ? '' : 's'}; nothing was written.`,
    undefined,
    {
      items: short.map((item) => ({
        product_id: Number(item.productId),
        requested: item.requested,
        available: item.available,
      })),
    },
  );
}
