import { Injectable } from '@nestjs/common';

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

/** The includes the modules above Products registered (in their onModuleInit). */
@Injectable()
export class ProductIncludes {
  private readonly includes = new Map<IncludeName, ProductInclude>();

  register(include: ProductInclude): void {
    this.includes.set(include.name, include);
  }
}
