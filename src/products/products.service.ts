import { Injectable } from '@nestjs/common';
import { Page } from '../common/dto/page.dto';
import { isForeignKeyViolation, isUniqueViolation } from '../common/errors/database-errors';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { CATEGORY_FOREIGN_KEY, Product, SKU_CONSTRAINT } from './product.entity';
import { ProductsRepository, ProductValues } from './products.repository';

@Injectable()
export class ProductsService {
  constructor(private readonly products: ProductsRepository) {}

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

  async create(values: ProductValues): Promise<Product> {
    try {
      return await this.products.insert(values);
    } catch (error) {
      throw translate(error, values);
    }
  }

  async update(id: string, changes: Partial<ProductValues>): Promise<Product> {
    if (Object.keys(changes).length === 0) return this.get(id);
    let updated: Product | null;
    try {
      updated = await this.products.update(id, changes);
    } catch (error) {
      throw translate(error, changes);
    }
    if (!updated) throw new NotFoundError('Product', id);
    return updated;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.products.delete(id))) throw new NotFoundError('Product', id);
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
