import { Injectable } from '@nestjs/common';
import { CategoriesService } from '../categories/categories.service';
import { Page } from '../common/dto/page.dto';
import { CatalogMetrics } from '../metrics/catalog-metrics';
import { NotFoundError } from '../common/errors/domain-error';
import { normaliseSku, SKU_PATTERN } from '../products/dto/product.dto';
import { Product } from '../products/product.entity';
import { SearchQueryDto } from './dto/search-query.dto';
import { SearchCriteria, SearchRepository } from './search.repository';

/** Turns a validated query into search criteria: the SKU reading of q, and the category subtree. */
export function toCriteria(
  query: SearchQueryDto,
  categories: Pick<CategoriesService, 'subtreeCondition'>,
): SearchCriteria {
  const sku = normaliseSku(query.q);
  const categoryId = query.category_id === undefined ? undefined : String(query.category_id);
  return {
    text: query.q,
    sku: typeof sku === 'string' && SKU_PATTERN.test(sku) ? sku : undefined,
    fuzzy: query.fuzzy && query.q !== undefined,
    minPrice: query.min_price,
    maxPrice: query.max_price,
    categoryId,
    subtree:
      categoryId === undefined
        ? undefined
        : categories.subtreeCondition('p.category_id', categoryId),
    sort: query.sort,
    limit: query.limit,
    offset: query.offset,
  };
}

@Injectable()
export class SearchService {
  constructor(
    private readonly searchRepository: SearchRepository,
    private readonly categories: CategoriesService,
    private readonly metrics: CatalogMetrics,
  ) {}

  async search(query: SearchQueryDto): Promise<Page<Product>> {
    const criteria = toCriteria(query, this.categories);
    const { items, total, categoryExists } = await this.searchRepository.search(criteria);
    if (!categoryExists) throw new NotFoundError('Category', criteria.categoryId!);
    this.metrics.search(
      {
        q: query.q,
        category_id: query.category_id,
        min_price: query.min_price,
        max_price: query.max_price,
        sort: query.sort,
        fuzzy: query.fuzzy,
      },
      total,
    );
    return { items, total, limit: query.limit, offset: query.offset };
  }
}
