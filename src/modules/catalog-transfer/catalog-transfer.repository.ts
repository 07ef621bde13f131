import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { retryTransientConflicts } from '../../common/errors/database-errors';
import { currentRequestContext, joiningTransaction } from '../../common/request-context';

/** One product as an export writes it. */
export interface ExportRow {
  sku: string;
  title: string;
  description: string;
  price: string;
  image_url: string | null;
  category_path: string;
  is_active: boolean;
  quantity: number;
}

/** Rows fetched from the export cursor at a time: the memory an export holds, whatever the catalog. */
const EXPORT_BATCH = 1000;

/**
 * Every product, inactive ones included, by id, with its stock and category path. `paths` is the
 * WITH RECURSIVE clause of `category_paths(id, names)` (CategoriesService.pathsSql): one walk of
 * the tree for the whole export, joined by hash.
 */
const exportQuery = (paths: string) => `${paths}
  SELECT p.sku, p.title, p.description, p.price::text AS price, p.image_url,
    coalesce(array_to_string(cp.names, ' > '), '') AS category_path,
    p.is_active, coalesce(i.quantity, 0) AS quantity
  FROM product p
  LEFT JOIN inventory i ON i.product_id = p.id
  LEFT JOIN category_paths cp ON cp.id = p.category_id
  ORDER BY p.id`;

@Injectable()
export class CatalogTransferRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The export's rows in batches, read through a server-side cursor in one read-only snapshot, on
   * a connection of its own. Stopping the iteration (a client that went away) closes the cursor
   * and ends the transaction: the query stops there.
   */
  async *exportBatches(paths: string): AsyncGenerator<ExportRow[]> {
    const runner = this.dataSource.createQueryRunner('master');
    try {
      await runner.connect();
      await runner.startTransaction('REPEATABLE READ');
      await runner.query('SET TRANSACTION READ ONLY');
      // Plan for reading every row (a hash join of the tree walk), not for a fast first row.
      await runner.query('SET LOCAL cursor_tuple_fraction = 1.0');
      await runner.query(`DECLARE product_export NO SCROLL CURSOR FOR ${exportQuery(paths)}`);
      for (;;) {
        const rows = (await runner.query(
          `FETCH ${EXPORT_BATCH} FROM product_export`,
        )) as ExportRow[];
        if (rows.length === 0) break;
        yield rows;
      }
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  }

  /**
   * Runs `work` in one transaction that every repository of the request joins (see
   * joiningTransaction); deadlock and serialization victims run again.
   */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    // Outside a request, repositories would not see the transaction and would write beside it.
    if (!currentRequestContext()) throw new Error('An import runs inside a request context');
    return retryTransientConflicts(() =>
      this.dataSource.transaction((manager) => joiningTransaction(manager, work)),
    );
  }
}
