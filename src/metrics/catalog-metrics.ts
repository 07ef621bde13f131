import { Injectable, Logger } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, Histogram } from 'prom-client';
import { DomainError, ErrorCode } from '../common/errors/domain-error';
import { ErrorAnswerObserver } from '../common/errors/problem-details.filter';

/** Every resource whose writes are counted, as `catalog_<entity>_mutations_total`. */
const MUTATION_ENTITIES = [
  'product',
  'category',
  'inventory',
  'customer',
  'review',
  'order',
] as const;
export type MutationEntity = (typeof MUTATION_ENTITIES)[number];

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5];

export const METRIC_PROVIDERS = [
  makeHistogramProvider({
    name: 'catalog_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'],
    buckets: HTTP_BUCKETS,
  }),
  makeCounterProvider({
    name: 'catalog_http_requests_total',
    help: 'HTTP requests by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'],
  }),
  makeGaugeProvider({
    name: 'catalog_http_requests_in_flight',
    help: 'HTTP requests being served',
  }),
  makeCounterProvider({
    name: 'catalog_http_errors_total',
    help: 'Error responses by status and error code',
    labelNames: ['status', 'code'],
  }),
  makeHistogramProvider({
    name: 'catalog_db_query_duration_seconds',
    help: 'Database statement duration by operation',
    labelNames: ['operation'],
    buckets: HTTP_BUCKETS,
  }),
  makeCounterProvider({ name: 'catalog_search_requests_total', help: 'Searches answered' }),
  makeHistogramProvider({
    name: 'catalog_search_result_count',
    help: 'Total matches per search',
    buckets: [0, 1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 50000],
  }),
  makeCounterProvider({
    name: 'catalog_search_zero_results_total',
    help: 'Searches that matched nothing',
  }),
  ...MUTATION_ENTITIES.map((entity) =>
    makeCounterProvider({
      name: `catalog_${entity}_mutations_total`,
      help: `${entity[0].toUpperCase()}${entity.slice(1)} writes by operation and outcome`,
      labelNames: ['operation', 'outcome'],
    }),
  ),
  makeCounterProvider({
    name: 'catalog_orders_total',
    help: 'Orders by outcome: placed, insufficient_stock, invalid (unknown customer or product), cancelled',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: 'catalog_order_placement_duration_seconds',
    help: 'Time to place an order (its whole transaction), by outcome',
    labelNames: ['outcome'],
    buckets: HTTP_BUCKETS,
  }),
  makeCounterProvider({
    name: 'catalog_category_rule_failures_total',
    help: 'Category writes refused by a tree rule',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: 'catalog_result_cache_total',
    help: 'List and search reads answered from the result cache (hit) or the database (miss)',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: 'catalog_db_reads_total',
    help: 'Reads that could use a read replica, by where they went (only with DATABASE_READ_URLS)',
    labelNames: ['target'],
  }),
];

const RULE_FAILURES: Partial<Record<ErrorCode, string>> = {
  depth_exceeded: 'depth',
  cycle: 'cycle',
  unknown_parent: 'unknown_parent',
  duplicate_category_name: 'duplicate',
};

export type MutationOperation = 'create' | 'update' | 'delete' | 'set' | 'adjust';

/** The domain's own metrics and info-level summaries; HTTP and database figures are fed by interceptors and the query subscriber. */
@Injectable()
export class CatalogMetrics implements ErrorAnswerObserver {
  private readonly logger = new Logger('Catalog');
  private readonly mutations: Record<MutationEntity, Counter>;

  constructor(
    @InjectMetric('catalog_http_request_duration_seconds') readonly httpDuration: Histogram,
    @InjectMetric('catalog_http_requests_total') readonly httpRequests: Counter,
    @InjectMetric('catalog_http_requests_in_flight') readonly httpInFlight: Gauge,
    @InjectMetric('catalog_http_errors_total') readonly httpErrors: Counter,
    @InjectMetric('catalog_db_query_duration_seconds') readonly queryDuration: Histogram,
    @InjectMetric('catalog_search_requests_total') private readonly searches: Counter,
    @InjectMetric('catalog_search_result_count') private readonly searchResults: Histogram,
    @InjectMetric('catalog_search_zero_results_total') private readonly zeroResultSearches: Counter,
    @InjectMetric('catalog_product_mutations_total') productMutations: Counter,
    @InjectMetric('catalog_category_mutations_total') categoryMutations: Counter,
    @InjectMetric('catalog_inventory_mutations_total') inventoryMutations: Counter,
    @InjectMetric('catalog_customer_mutations_total') customerMutations: Counter,
    @InjectMetric('catalog_review_mutations_total') reviewMutations: Counter,
    @InjectMetric('catalog_order_mutations_total') orderMutations: Counter,
    @InjectMetric('catalog_orders_total') private readonly orders: Counter,
    @InjectMetric('catalog_order_placement_duration_seconds')
    private readonly orderPlacement: Histogram,
    @InjectMetric('catalog_category_rule_failures_total') private readonly ruleFailures: Counter,
    @InjectMetric('catalog_db_reads_total') readonly replicaReads: Counter,
    @InjectMetric('catalog_result_cache_total') readonly resultCache: Counter,
  ) {
    this.mutations = {
      product: productMutations,
      category: categoryMutations,
      inventory: inventoryMutations,
      customer: customerMutations,
      review: reviewMutations,
      order: orderMutations,
    };
  }

  answered(status: number, code: ErrorCode): void {
    this.httpErrors.inc({ status, code });
  }

  /** Runs a write, then counts and logs its outcome: success, or the error code that refused it. */
  async mutation<T extends { id: string } | void>(
    entity: MutationEntity,
    operation: MutationOperation,
    write: () => Promise<T>,
  ): Promise<T> {
    const counter = this.mutations[entity];
    try {
      const result = await write();
      counter.inc({ operation, outcome: 'success' });
      this.logger.log(
        { entity, operation, outcome: 'success', id: result?.id },
        `${entity} ${operation}`,
      );
      return result;
    } catch (error) {
      const outcome = error instanceof DomainError ? error.code : 'error';
      counter.inc({ operation, outcome });
      const reason =
        error instanceof DomainError && entity === 'category'
          ? RULE_FAILURES[error.code]
          : undefined;
      if (reason) this.ruleFailures.inc({ reason });
      this.logger.log({ entity, operation, outcome }, `${entity} ${operation} refused`);
      throw error;
    }
  }

  /** An order was placed in `seconds`: counted, timed and logged with its figures. */
  orderPlaced(
    order: { id: string; customerId: string; itemCount: number; total: string },
    seconds: number,
  ): void {
    this.orders.inc({ outcome: 'placed' });
    this.orderPlacement.observe({ outcome: 'placed' }, seconds);
    this.logger.log(
      {
        order_id: order.id,
        customer_id: order.customerId,
        item_count: order.itemCount,
        total: order.total,
        duration_ms: Math.round(seconds * 1000),
      },
      'order placed',
    );
  }

  /** An order was refused after `seconds`: short of stock, or naming what cannot be ordered. */
  orderRefused(error: unknown, seconds: number): void {
    const code = error instanceof DomainError ? error.code : undefined;
    const outcome =
      code === 'insufficient_stock'
        ? 'insufficient_stock'
        : code === 'unknown_product' || code === 'unknown_customer'
          ? 'invalid'
          : undefined;
    if (outcome === undefined) return;
    this.orders.inc({ outcome });
    this.orderPlacement.observe({ outcome }, seconds);
  }

  orderCancelled(orderId: string): void {
    this.orders.inc({ outcome: 'cancelled' });
    this.logger.log({ order_id: orderId }, 'order cancelled');
  }

  /** `total` is null when the client skipped counting; `empty` tells that nothing matched at all. */
  search(summary: Record<string, unknown>, total: number | null, empty: boolean): void {
    this.searches.inc();
    if (total !== null) this.searchResults.observe(total);
    if (empty) this.zeroResultSearches.inc();
    this.logger.log({ ...summary, total }, 'search');
  }
}
