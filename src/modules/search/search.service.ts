import { Injectable } from '@nestjs/common';
import { CategoriesService } from '../categories/categories.service';
import { decodeCursor, isMicrosecondInstant, keysetPage } from '../../common/cursor';
import { Page } from '../../common/dto/page.dto';
import { isMoney } from '../../common/money';
import { isId } from '../../common/pipes/parse-id.pipe';
import { codePointLength } from '../../common/text';
import { CatalogMetrics } from '../../metrics/catalog-metrics';
import { ResultCache } from '../../catalog-version/result-cache.service';
import { normaliseSku, SKU_PATTERN } from '../products/dto/product.dto';
import { ProductIncludes, ProductView } from '../products/product-includes';
import { SearchQueryDto, SortKey } from './dto/search-query.dto';
import { SearchCriteria, SearchRepository } from './search.repository';

/** Turns a validated query into search criteria: the SKU reading of q, and the category subtree. */
export function toCriteria(
  query: SearchQueryDto,
  categories: Pick<CategoriesService, 'subtreeCondition'>,
): SearchCriteria {
  const sku = normaliseSku(query.q);
  return {
    text: query.q,
    sku: typeof sku === 'string' && SKU_PATTERN.test(sku) ? sku : undefined,
    fuzzy: query.fuzzy && query.q !== undefined,
    minPrice: query.min_price,
    maxPrice: query.max_price,
    includeInactive: query.include_inactive,
    subtree:
      query.category_id === undefined
        ? undefined
        : categories.subtreeCondition('p.category_path', String(query.category_id)),
    sort: query.sort,
    limit: query.limit,
    offset: query.offset,
    after:
      query.cursor === undefined
        ? undefined
        : decodeCursor(query.cursor, query.sort, isSortKey(query.sort)),
    withTotal: query.include_total,
  };
}

const isBoolean = (text: string | undefined): boolean => text === 'true' || text === 'false';

/**
 * A similarity as PostgreSQL prints a real: from 0 to 1, and never so small that it would not
 * read back as a real. Number() only checks the range; SQL compares the text's own value.
 */
const isSimilarity = (text: string | undefined): boolean =>
  text !== undefined &&
  /^\d(\.\d{1,12})?(e-\d{1,2})?$/.test(text) &&
  Number(text) <= 1 &&
  (Number(text) === 0 || Number(text) >= 1e-30);

/** What a cursor's sort key must look like for `sort`, so that nothing malformed reaches SQL. */
function isSortKey(sort: SortKey): (key: string[]) => boolean {
  switch (sort) {
    case 'price':
    case '-price':
      return ([price, id, ...rest]) => isMoney(price) && isId(id) && rest.length === 0;
    case 'title':
      return ([title, id, ...rest]) =>
        codePointLength(title ?? '') <= 255 &&
        !/[\p{Cc}\p{Cs}]/u.test(title ?? '') &&
        isId(id) &&
        rest.length === 0;
    case '-created_at':
      return ([createdAt, id, ...rest]) =>
        isMicrosecondInstant(createdAt) && isId(id) && rest.length === 0;
    case 'relevance':
      return ([sku, prefix, similarity, id, ...rest]) =>
        isBoolean(sku) &&
        isBoolean(prefix) &&
        isSimilarity(similarity) &&
        isId(id) &&
        rest.length === 0;
    default:
      return ([id, ...rest]) => isId(id) && rest.length === 0;
  }
}

@Injectable()
export class SearchService {
  constructor(
    private readonly searchRepository: SearchRepository,
    private readonly categories: CategoriesService,
    private readonly includes: ProductIncludes,
    private readonly metrics: CatalogMetrics,
    private readonly results: ResultCache,
  ) {}

  /** A page of matches, cached under the catalog version it was read at; every search is counted. */
  async search(query: SearchQueryDto, catalogVersion: string): Promise<Page<ProductView>> {
    const page = await this.results.get(catalogVersion, `search ${JSON.stringify(query)}`, () =>
      this.find(query),
    );
    this.metrics.search(
      {
        q: query.q,
        category_id: query.category_id,
        min_price: query.min_price,
        max_price: query.max_price,
        sort: query.sort,
        fuzzy: query.fuzzy,
      },
      page.total,
      page.total === 0 ||
        (page.items.length === 0 && query.offset === 0 && query.cursor === undefined),
    );
    return page;
  }

  private async find(query: SearchQueryDto): Promise<Page<ProductView>> {
    const criteria = toCriteria(query, this.categories);
    const { rows, total } = await this.searchRepository.search(criteria);
    // An empty page may be a category that does not exist: then it is a 404, not a page.
    if (rows.length === 0 && query.category_id !== undefined)
      await this.categories.get(String(query.category_id));
    const page = keysetPage(rows, query.limit, query.sort, (row) => row.key);
    return {
      items: await this.includes.expand(
        page.items.map((row) => row.product),
        query.include,
      ),
      next_cursor: page.next_cursor,
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }
}
