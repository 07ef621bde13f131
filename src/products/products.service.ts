import { Injectable } from '@nestjs/common';
import { Page } from '../common/dto/page.dto';
import {
  isForeignKeyViolation,
  isUniqueViolation,
  retryTransientConflicts,
} from '../common/errors/database-errors';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { CatalogMetrics } from '../metrics/catalog-metrics';
import { CATEGORY_FOREIGN_KEY, Product, SKU_CONSTRAINT } from './product.entity';
import { ProductsRepository, ProductValues } from './products.repository';

@Injectable()
export class ProductsService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly metrics: CatalogMetrics,
  ) {}

  async get(id: string): Promise<Product> {
    const product = await this.products.findById(id);
    if (!product) throw new NotFoundError('Product', id);
    return product;
  }

  async list(limit: number, offset: number): Promise<Page<Product>> {
    const [items, total] = await this.products.findPage(limit, offset);
    return { items, total, limit, offset };
  }

  /** The products among `ids` that exist; unknown ids are simply absent. */
  getMany(ids: string[]): Promise<Product[]> {
    return this.products.findByIds(ids);
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

  update(id: string, changes: Partial<ProductValues>): Promise<Product> {
    if (Object.keys(changes).length === 0) return this.get(id);
    return this.metrics.mutation('product', 'update', async () => {
      let updated: Product | null;
      try {
        updated = await retryTransientConflicts(() => this.products.update(id, changes));
      } catch (error) {
        throw translate(error, changes);
      }
      if (!updated) throw new NotFoundError('Product', id);
      return updated;
    });
  }

  delete(id: string): Promise<void> {
    return this.metrics.mutation('product', 'delete', async () => {
      if (!(await this.products.delete(id))) throw new NotFoundError('Product', id);
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
