/**
 * The SQL the service sends, obtained from the service's own code instead of a copy that could
 * drift: its repositories run against an offline TypeORM DataSource whose query runner records
 * every statement instead of sending it. Used by the "service SQL" floor.
 *
 * Requests are parsed with the service's own DTO and criteria code, so the statements (text and
 * parameters) are exactly what the service would run for the same URL.
 */
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DataSource, QueryRunner } from 'typeorm';
import { CategoriesRepository } from '../src/modules/categories/categories.repository';
import { Category } from '../src/modules/categories/category.entity';
import { Product } from '../src/modules/products/product.entity';
import { ProductsRepository } from '../src/modules/products/products.repository';
import { ReportsRepository } from '../src/modules/reports/reports.repository';
import { SearchQueryDto } from '../src/modules/search/dto/search-query.dto';
import { SearchRepository } from '../src/modules/search/search.repository';
import { toCriteria } from '../src/modules/search/search.service';

export interface Statement {
  sql: string;
  parameters: unknown[];
}

/** What a read runs, and the page it answers. */
export interface Recorded {
  statements: Statement[];
  limit: number;
  offset: number;
}

/** Builds metadata only; nothing connects. */
class OfflineDataSource extends DataSource {
  prepare(): Promise<void> {
    return this.buildMetadatas();
  }
}

export class ServiceSql {
  private readonly dataSource = new OfflineDataSource({
    type: 'postgres',
    entities: [Product, Category],
  });
  private recording: Statement[] | undefined;
  private ready: Promise<void> | undefined;
  private queue: Promise<void> = Promise.resolve();

  /** Every column of product, by its database name (for mapping aliased rows). */
  productColumns: string[] = [];

  prepare(): Promise<void> {
    this.ready ??= this.dataSource.prepare().then(() => {
      this.productColumns = this.dataSource
        .getMetadata(Product)
        .columns.map((column) => column.databaseName);
      this.patchQueryRunner();
    });
    return this.ready;
  }

  /**
   * Replaces the query runner's I/O: statements are recorded, not sent. A SELECT is answered with
   * as many rows as its LIMIT (one without a LIMIT), each answering any column, so that code that
   * branches on the result takes the path of a full page: TypeORM's findAndCount, for one, skips
   * its count query when a first page comes back short. Only this data source's runners are
   * affected (the floor process has no other TypeORM connection).
   */
  private patchQueryRunner(): void {
    const runner = this.dataSource.createQueryRunner();
    const prototype = Object.getPrototypeOf(runner) as QueryRunner & {
      connect(): Promise<unknown>;
    };
    const recorder = () => this.recording;
    Object.assign(prototype, {
      connect: () => Promise.resolve({}),
      release: () => Promise.resolve(),
      query(sql: string, parameters?: unknown[], structured = false) {
        const recording = recorder();
        if (!recording) throw new Error('service-sql: a statement outside a recording');
        recording.push({ sql, parameters: parameters ?? [] });
        const rows = /^\s*(SELECT|WITH)\b/i.test(sql) ? stubRows(sql) : [];
        return Promise.resolve(
          structured ? { records: rows, raw: rows, affected: rows.length } : rows,
        );
      },
    });
  }

  /** Runs `work` with recording on; recordings are serialised, so they never mix. */
  private record(work: () => Promise<unknown>): Promise<Statement[]> {
    const run = async () => {
      await this.prepare();
      this.recording = [];
      try {
        await work();
        return this.recording;
      } finally {
        this.recording = undefined;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** The statements of GET /api/v1/products/search?<query>, or the validation error. */
  async search(query: Record<string, string>): Promise<Recorded> {
    const dto = plainToInstance(SearchQueryDto, query);
    const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) throw new InvalidQuery(errors.map((e) => e.property).join(', '));
    const categories = new CategoriesRepository(this.dataSource.getRepository(Category));
    const criteria = toCriteria(dto, categories);
    const repository = new SearchRepository(this.dataSource.getRepository(Product));
    const statements = await this.record(() => repository.search(criteria));
    return { statements, limit: dto.limit, offset: dto.offset };
  }

  /**
   * The statements of GET /api/v1/products: a page from `offset`, or after `afterId` (keyset),
   * with or without the total.
   */
  async list(page: {
    limit: number;
    offset: number;
    afterId?: string;
    withTotal: boolean;
  }): Promise<Recorded> {
    const repository = new ProductsRepository(this.dataSource.getRepository(Product));
    const statements = await this.record(() =>
      repository.findPage({ ...page, includeInactive: false }),
    );
    return { statements, limit: page.limit, offset: page.offset };
  }

  /** The statement of GET /api/v1/categories/{id}/report. */
  report(categoryId: string): Promise<Statement[]> {
    const categories = new CategoriesRepository(this.dataSource.getRepository(Category));
    const reports = new ReportsRepository(this.dataSource.getRepository(Product));
    return this.record(() => reports.findOne(categories.subtreeRows(categoryId)));
  }

  /**
   * The statement of GET /api/v1/reports/categories (a page of the roots' reports, or of the
   * children of `parentId`), as ReportsService.list builds it: limit + 1 children, with the total.
   */
  reportPage(page: {
    parentId: string | null;
    limit: number;
    offset: number;
  }): Promise<Statement[]> {
    const categories = new CategoriesRepository(this.dataSource.getRepository(Category));
    const reports = new ReportsRepository(this.dataSource.getRepository(Product));
    const children = categories.childSubtreeRows({ ...page, limit: page.limit + 1 });
    return this.record(() => reports.findPage(children));
  }

  /** The statement of GET /api/v1/products/{id}, with `id` as a placeholder to substitute. */
  getById(id: string): Promise<Statement[]> {
    const repository = new ProductsRepository(this.dataSource.getRepository(Product));
    return this.record(() => repository.findById(id));
  }
}

export class InvalidQuery extends Error {}

/** Rows that answer any column with their own number: distinct ids, plausible values. */
function stubRows(sql: string): object[] {
  const limits = [...sql.matchAll(/\bLIMIT (\d+)/gi)];
  const count = limits.length > 0 ? Number(limits[limits.length - 1][1]) : 1;
  return Array.from(
    { length: Math.min(count, 1000) },
    (_, index) =>
      new Proxy(
        {},
        {
          get: (_target, key) => (typeof key === 'string' ? String(index + 1) : undefined),
          has: () => true,
        },
      ),
  );
}
