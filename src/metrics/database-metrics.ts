import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, register } from 'prom-client';
import type { Pool } from 'pg';
import { AfterQueryEvent, DataSource, EntitySubscriberInterface } from 'typeorm';
import { currentRequestContext } from '../common/request-context';
import { CatalogMetrics } from './catalog-metrics';

const POOL_METRIC = 'catalog_db_pool_connections';

export const operationOf = (sql: string): string => {
  const keyword = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase();
  if (keyword === 'with') return 'select';
  if (keyword && ['select', 'insert', 'update', 'delete'].includes(keyword)) return keyword;
  if (keyword && ['start', 'begin', 'commit', 'rollback'].includes(keyword)) return 'transaction';
  return 'other';
};

/** Times every statement by operation, adds it to the request's database time, and reports the pool. */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: CatalogMetrics,
  ) {}

  onModuleInit(): void {
    const subscriber: EntitySubscriberInterface = {
      afterQuery: (event: AfterQueryEvent) => {
        const milliseconds = event.executionTime ?? 0;
        this.metrics.queryDuration.observe(
          { operation: operationOf(event.query) },
          milliseconds / 1000,
        );
        const context = currentRequestContext();
        if (context) {
          context.statements++;
          context.databaseMs += milliseconds;
        }
      },
    };
    this.dataSource.subscribers.push(subscriber);

    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    register.removeSingleMetric(POOL_METRIC);
    new Gauge({
      name: POOL_METRIC,
      help: 'Database pool connections by state',
      labelNames: ['state'],
      collect() {
        this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
  }
}
