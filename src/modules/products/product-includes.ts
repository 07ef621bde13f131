import { Injectable } from '@nestjs/common';
import { Product } from './product.entity';
import { ProductsRepository } from './products.repository';

/** What `include` may ask for on product reads (the contract's list). */
export const INCLUDE_NAMES = ['category', 'inventory', 'rating', 'reviews'] as const;
export type IncludeName = (typeof INCLUDE_NAMES)[number];

/**
 * One field a product read can include, contributed by the module that owns its data (Products
 * knows none of them): a SQL expression over the product row `p` that yields the field's value
 * as jsonb, so that every include of a whole page is read in one statement, and the mapping of
 * that value to the answer.
 */
export interface ProductInclude {
  name: IncludeName;
  /** A scalar SQL expression (e.g. a correlated subquery) in terms of `p`; no parameters. */
  sql: string;
  toDto(value: unknown): unknown;
}

/** A product with the fields its read asked to include. */
export type ProductView = Product & { included?: Partial<Record<IncludeName, unknown>> };

/** The includes the modules above Products registered (in their onModuleInit). */
@Injectable()
export class ProductIncludes {
  private readonly includes = new Map<IncludeName, ProductInclude>();

  constructor(private readonly products: ProductsRepository) {}

  register(include: ProductInclude): void {
    this.includes.set(include.name, include);
  }

  /** `products` with the fields `names` asks for, all read in one statement (none without names). */
  async expand(products: Product[], names: IncludeName[] = []): Promise<ProductView[]> {
    if (names.length === 0 || products.length === 0) return products;
    const includes = names.map((name) => {
      const include = this.includes.get(name);
      if (!include) throw new Error(`No module registered the ${name} include`);
      return include;
    });
    const rows = await this.products.findIncluded(
      products.map((product) => product.id),
      includes,
    );
    return products.map((product) => {
      const row = rows.get(product.id) ?? {};
      const included = Object.fromEntries(
        includes.map((include) => [include.name, include.toDto(row[include.name] ?? null)]),
      );
      return { ...product, included };
    });
  }
}
