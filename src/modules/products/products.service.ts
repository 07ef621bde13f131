import { Injectable } from '@nestjs/common';
import { decodeCursor, keysetPage } from '../../common/cursor';
import { Page } from '../../common/dto/page.dto';
import { isId } from '../../common/pipes/parse-id.pipe';
import { Precondition, satisfies, versionsOf } from '../../common/etag';
import {
  isForeignKeyViolation,
  isUniqueViolation,
  retryTransientConflicts,
} from '../../common/errors/database-errors';
import {
  DomainError,
  missingOrChanged,
  NotFoundError,
  PreconditionFailedError,
} from '../../common/errors/domain-error';
import { CatalogMetrics } from '../../metrics/catalog-metrics';
import { ResultCache } from '../../catalog-version/result-cache.service';
import { CATEGORY_FOREIGN_KEY, Product, SKU_CONSTRAINT } from './product.entity';
import { IncludeName, ProductIncludes, ProductView } from './product-includes';
import { ProductsRepository, ProductValues, UpsertColumn } from './products.repository';

@Injectable()
export class ProductsService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly includes: ProductIncludes,
    private readonly metrics: CatalogMetrics,
    private readonly results: ResultCache,
  ) {}

  /** The product, with the fields `include` names. */
  async get(id: string, include?: IncludeName[]): Promise<ProductView> {
    const product = await this.products.findById(id);
    if (!product) throw new NotFoundError('Product', id);
    const [view] = await this.includes.expand([product], include);
    return view;
  }

  /** A page of products by id, cached under the catalog version it was read at. */
  list(
    query: {
      limit: number;
      offset: number;
      cursor?: string;
      includeTotal: boolean;
      includeInactive: boolean;
      include?: IncludeName[];
    },
    catalogVersion: string,
  ): Promise<Page<ProductView>> {
    return this.results.get(catalogVersion, `products ${JSON.stringify(query)}`, async () => {
      const afterId =
        query.cursor === undefined
          ? undefined
          : decodeCursor(query.cursor, 'id', ([id]) => isId(id))[0];
      const [rows, total] = await this.products.findPage({
        ...query,
        afterId,
        withTotal: query.includeTotal,
      });
      const page = keysetPage(rows, query.limit, 'id', (product) => [product.id]);
      const items = await this.includes.expand(page.items, query.include);
      return { ...page, items, total, limit: query.limit, offset: query.offset };
    });
  }

  /** The products among `ids` that exist; unknown ids are simply absent. */
  async getMany(ids: string[], include?: IncludeName[]): Promise<ProductView[]> {
    return this.includes.expand(await this.products.findByIds(ids), include);
  }

  create(values: ProductValues): Promise<Product> {
    return this.metrics.mutation('product', 'create', async () => {
      try {
        return await this.products.insert(values);
      } catch (error) {
        throw translate(error, values);
      }
    });
  }

  /** Applies the changes; with a precondition, only to the version it names (else 412). */
  async update(
    id: string,
    changes: Partial<ProductValues>,
    precondition?: Precondition,
  ): Promise<Product> {
    if (Object.keys(changes).length === 0) {
      const current = await this.get(id);
      if (!satisfies(precondition, current.version!))
        throw new PreconditionFailedError('Product', id);
      return current;
    }
    return this.metrics.mutation('product', 'update', async () => {
      let updated: Product | null;
      try {
        updated = await retryTransientConflicts(() =>
          this.products.update(id, changes, versionsOf(precondition)),
        );
      } catch (error) {
        throw translate(error, changes);
      }
      if (!updated)
        throw await missingOrChanged('Product', id, precondition, (product) =>
          this.products.exists(product),
        );
      return updated;
    });
  }

  /**
   * Creates or updates products by SKU, writing only `columns` (see ProductsRepository.upsertBySku);
   * inside a transaction when called in joiningTransaction. SKUs must be normalised and distinct.
   */
  upsertBySku(
    columns: UpsertColumn[],
    rows: Array<Pick<ProductValues, 'sku'> & Partial<ProductValues>>,
  ): Promise<{ created: number }> {
    return this.products.upsertBySku(columns, rows);
  }

  /** The ids of the products with these (normalised) SKUs, by SKU. */
  idsBySku(skus: string[]): Promise<Map<string, string>> {
    return this.products.idsBySku(skus);
  }

  delete(id: string, precondition?: Precondition): Promise<void> {
    return this.metrics.mutation('product', 'delete', async () => {
      if (!(await this.products.delete(id, versionsOf(precondition)))) {
        throw await missingOrChanged('Product', id, precondition, (product) =>
          this.products.exists(product),
        );
      }
    });
  }
}

/** The database enforces SKU uniqueness and category existence, also for racing requests. */
function translate(error: unknown, values: Partial<ProductValues>): unknown {
  if (isUniqueViolation(error, SKU_CONSTRAINT)) {
    return new DomainError('duplicate_sku', `A product with SKU ${values.sku} already exists.`);
  }
  if (isForeignKeyViolation(error, CATEGORY_FOREIGN_KEY)) {
    return new DomainError('unknown_category', `Category ${values.categoryId} does not exist.`, [
      { field: 'category_id', message: `category ${values.categoryId} does not exist` },
    ]);
  }
  return error;
}
