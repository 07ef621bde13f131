import { Injectable } from '@nestjs/common';
import { Readable, Transform } from 'node:stream';
import { stringify } from 'csv-stringify';
import { CategoriesService, pathKey } from '../categories/categories.service';
import { InventoryService } from '../inventory/inventory.service';
import { ProductsService } from '../products/products.service';
import type { UpsertColumn } from '../products/products.repository';
import { CatalogTransferRepository, ExportRow } from './catalog-transfer.repository';
import { ImportRow, parseProductCsv, PRODUCT_COLUMNS, ProductColumn } from './product-csv';

export type ExportFormat = 'csv' | 'ndjson';

export interface ImportResult {
  created: number;
  updated: number;
  categories_created: number;
}

/** Products upserted per statement. */
const UPSERT_BATCH = 1000;

/** The product columns an import writes, for each file column that carries them. */
const UPSERTED: Partial<Record<ProductColumn, UpsertColumn>> = {
  title: 'title',
  description: 'description',
  price: 'price',
  image_url: 'imageUrl',
  category_path: 'categoryId',
  is_active: 'isActive',
};

/** Thrown inside a dry run's transaction so that it rolls back, carrying what it would have done. */
class DryRun extends Error {
  constructor(readonly result: ImportResult) {
    super('dry run');
  }
}

@Injectable()
export class CatalogTransferService {
  constructor(
    private readonly transfer: CatalogTransferRepository,
    private readonly products: ProductsService,
    private readonly categories: CategoriesService,
    private readonly inventory: InventoryService,
  ) {}

  /**
   * Every product as CSV (RFC 4180, header row, CRLF) or NDJSON, read in batches from a database
   * cursor: memory stays flat whatever the catalog, and destroying the stream (a client that went
   * away) stops the query. The first batch is read before answering, so a database that cannot
   * answer is an error response rather than a truncated file.
   */
  async export(format: ExportFormat): Promise<Readable> {
    const batches = this.transfer.exportBatches(this.categories.pathsSql());
    const first = await batches.next();
    async function* records(): AsyncGenerator<ExportRow> {
      try {
        if (first.done) return;
        yield* first.value;
        for await (const batch of batches) yield* batch;
      } finally {
        await batches.return(undefined);
      }
    }
    const rows = Readable.from(records());
    const formatter =
      format === 'csv'
        ? stringify({
            header: true,
            columns: [...PRODUCT_COLUMNS],
            record_delimiter: 'windows',
            // Line breaks inside a field are quoted whatever the record delimiter.
            quoted_match: /[\r\n]/,
            cast: { boolean: (value) => String(value) },
          })
        : new Transform({
            writableObjectMode: true,
            transform(row: ExportRow, _encoding, done) {
              done(null, JSON.stringify(row) + '\n');
            },
          });
    rows.on('error', (error) => formatter.destroy(error));
    formatter.on('close', () => rows.destroy());
    return rows.pipe(formatter);
  }

  /**
   * Creates and updates products from a CSV file, all or nothing: every row is validated first
   * (as POST /products would), then one transaction upserts them by SKU, creates the missing
   * categories of their paths under the tree lock, and sets their stock with `set` movements.
   * A dry run does all of it and rolls back.
   */
  async import(body: Readable, dryRun: boolean): Promise<ImportResult> {
    const { columns, rows } = await parseProductCsv(body);
    try {
      return await this.transfer.transaction(async () => {
        const result = await this.apply(columns, rows);
        if (dryRun) throw new DryRun(result);
        return result;
      });
    } catch (error) {
      if (error instanceof DryRun) return error.result;
      throw error;
    }
  }

  private async apply(columns: ProductColumn[], rows: ImportRow[]): Promise<ImportResult> {
    // ensurePaths takes the tree lock even with no path: imports run one at a time, so they can
    // never deadlock each other, and no move or delete changes the tree under them.
    const paths = columns.includes('category_path')
      ? uniquePaths(rows.map((row) => row.categoryPath!))
      : [];
    const { ids: categoryIds, created: categoriesCreated } =
      await this.categories.ensurePaths(paths);

    const written = columns.flatMap((column) => UPSERTED[column] ?? []);
    // In SKU order, the order every import locks rows in.
    const sorted = [...rows].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
    let created = 0;
    for (let start = 0; start < sorted.length; start += UPSERT_BATCH) {
      const batch = sorted.slice(start, start + UPSERT_BATCH).map((row) => ({
        sku: row.sku,
        title: row.title,
        price: row.price,
        description: row.description,
        imageUrl: row.imageUrl,
        isActive: row.isActive,
        categoryId:
          row.categoryPath === undefined || row.categoryPath.length === 0
            ? null
            : categoryIds.get(pathKey(row.categoryPath))!,
      }));
      created += (await this.products.upsertBySku(written, batch)).created;
    }

    if (columns.includes('quantity')) {
      for (let start = 0; start < sorted.length; start += UPSERT_BATCH) {
        const batch = sorted.slice(start, start + UPSERT_BATCH);
        const ids = await this.products.idsBySku(batch.map((row) => row.sku));
        await this.inventory.setMany(
          batch.map((row) => ({ productId: ids.get(row.sku)!, quantity: row.quantity! })),
        );
      }
    }
    return { created, updated: rows.length - created, categories_created: categoriesCreated };
  }
}

/** Each distinct non-empty path once. */
function uniquePaths(paths: string[][]): string[][] {
  const unique = new Map<string, string[]>();
  for (const path of paths) if (path.length > 0) unique.set(pathKey(path), path);
  return [...unique.values()];
}
