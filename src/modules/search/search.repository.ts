import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { codePointLength } from '../../common/text';
import { Product } from '../products/product.entity';
import type { SortKey } from './dto/search-query.dto';
import { RequestScopedRepository } from '../../common/request-context';

export interface SqlCondition {
  sql: string;
  parameters: Record<string, string>;
}

/** What a search asks for, already validated and normalised. */
export interface SearchCriteria {
  text?: string;
  /** `text` as a normalised SKU, when it is a valid one. */
  sku?: string;
  fuzzy: boolean;
  minPrice?: string;
  maxPrice?: string;
  includeInactive: boolean;
  /** Matches product.category_path against the subtree of the category asked for. */
  subtree?: SqlCondition;
  sort: SortKey;
  limit: number;
  offset: number;
  /** The sort key of the last item of the previous page (keyset paging), if any. */
  after?: string[];
  withTotal: boolean;
}

export interface SearchResult {
  /** Up to limit + 1 rows: the extra one tells that another page follows. */
  rows: Array<{ product: Product; key: string[] }>;
  total: number | null;
}

/** Makes %, _ and \ match themselves in a LIKE pattern (backslash is LIKE's escape character). */
export const escapeLike = (text: string): string =>
  text.replace(/[\\%_]/g, (character) => `\\${character}`);

/**
 * pg_trgm takes no trigram from a two-character needle, so its ILIKE alone scans every title. ILIKE
 * lower-cases both sides in a UTF-8 database, so a title it matches has every bigram of the
 * lower-cased needle among its own: a necessary condition that the bigram index (migration
 * CreateProductTitleBigramIndex) serves. Bigrams of the needle rather than the needle itself, in
 * case lower() changes its length (ICU does for İ).
 */
const BIGRAM_MATCH = 'catalog_bigrams(lower(p.title)) @> catalog_bigrams(lower(:needle))';

/** Adds the filters of `criteria` to `query`; all of them combine with AND. */
export function applyFilters(
  query: SelectQueryBuilder<Product>,
  criteria: SearchCriteria,
): SelectQueryBuilder<Product> {
  if (criteria.text !== undefined) {
    const alternatives: string[] = [];
    if (criteria.sku !== undefined) alternatives.push('p.sku = :sku');
    if (criteria.fuzzy) alternatives.push(':text <% p.title');
    query.andWhere(`(${['p.title ILIKE :contains', ...alternatives].join(' OR ')})`, {
      contains: `%${escapeLike(criteria.text)}%`,
      ...(criteria.sku !== undefined && { sku: criteria.sku }),
      ...(criteria.fuzzy && { text: criteria.text }),
    });
    // (bigram AND ilike) OR alternatives, written as (bigram OR alternatives) AND (ilike OR
    // alternatives): so it is exactly the condition of a bitmap index scan and never a per-row
    // filter (the bigrams of thousands of titles cost more than the scan saves). Not with fuzzy:
    // `<%` is STABLE, so PostgreSQL would recheck the whole OR on every candidate row.
    if (codePointLength(criteria.text) === 2 && !criteria.fuzzy)
      query.andWhere(`(${[BIGRAM_MATCH, ...alternatives].join(' OR ')})`, {
        needle: criteria.text,
      });
  }
  if (!criteria.includeInactive) query.andWhere('p.is_active');
  if (criteria.minPrice !== undefined)
    query.andWhere('p.price >= :minPrice', { minPrice: criteria.minPrice });
  if (criteria.maxPrice !== undefined)
    query.andWhere('p.price <= :maxPrice', { maxPrice: criteria.maxPrice });
  if (criteria.subtree) query.andWhere(criteria.subtree.sql, criteria.subtree.parameters);
  return query;
}

/** The relevance ranks of a product, by precedence (sort=relevance), with their parameters set. */
function relevanceRanks(
  query: SelectQueryBuilder<Product>,
  criteria: SearchCriteria,
): { sku: string; prefix: string; similarity: string } {
  const text = criteria.text ?? '';
  query.setParameters({ prefix: `${escapeLike(text)}%`, text });
  return {
    sku: criteria.sku === undefined ? 'false' : 'p.sku = :sku',
    prefix: 'p.title ILIKE :prefix',
    similarity: 'similarity(p.title, :text)',
  };
}

/** Orders `query` by `criteria.sort`, always ending in id so that pages never overlap. */
export function applySort(
  query: SelectQueryBuilder<Product>,
  criteria: SearchCriteria,
): SelectQueryBuilder<Product> {
  switch (criteria.sort) {
    case 'id':
      return query.orderBy('p.id', 'ASC');
    case 'price':
      return query.orderBy('p.price', 'ASC').addOrderBy('p.id', 'ASC');
    case '-price':
      return query.orderBy('p.price', 'DESC').addOrderBy('p.id', 'ASC');
    case 'title':
      return query.orderBy('p.title', 'ASC').addOrderBy('p.id', 'ASC');
    case '-created_at':
      return query.orderBy('p.created_at', 'DESC').addOrderBy('p.id', 'DESC');
    case 'relevance': {
      const ranks = relevanceRanks(query, criteria);
      query
        .addSelect(ranks.sku, 'rank_sku')
        .addSelect(ranks.prefix, 'rank_prefix')
        .addSelect(ranks.similarity, 'rank_similarity')
        // A real prints as the shortest text that reads back as the same value: the cursor's.
        .addSelect(`CAST(${ranks.similarity} AS text)`, 'cursor_similarity');
      return query
        .orderBy('rank_sku', 'DESC')
        .addOrderBy('rank_prefix', 'DESC')
        .addOrderBy('rank_similarity', 'DESC')
        .addOrderBy('p.id', 'ASC');
    }
  }
}

/** Continues after the sort key of the previous page's last item; every sort ends in id. */
export function applyKeyset(
  query: SelectQueryBuilder<Product>,
  criteria: SearchCriteria,
): SelectQueryBuilder<Product> {
  if (!criteria.after) return query;
  const [key, id] = criteria.after.length === 1 ? [undefined, criteria.after[0]] : criteria.after;
  const parameters = { afterKey: key, afterId: id };
  switch (criteria.sort) {
    case 'id':
      return query.andWhere('p.id > CAST(:afterId AS bigint)', parameters);
    case 'price':
      return query.andWhere(
        '(p.price, p.id) > (CAST(:afterKey AS numeric), CAST(:afterId AS bigint))',
        parameters,
      );
    case '-price':
      return query.andWhere(
        '(p.price < CAST(:afterKey AS numeric) OR (p.price = CAST(:afterKey AS numeric) AND p.id > CAST(:afterId AS bigint)))',
        parameters,
      );
    case 'title':
      return query.andWhere(
        '(p.title, p.id) > (CAST(:afterKey AS varchar), CAST(:afterId AS bigint))',
        parameters,
      );
    case '-created_at':
      return query.andWhere(
        '(p.created_at, p.id) < (CAST(:afterKey AS timestamptz), CAST(:afterId AS bigint))',
        parameters,
      );
    case 'relevance': {
      const ranks = relevanceRanks(query, criteria);
      const [sku, prefix, similarity, afterId] = criteria.after;
      // The ranks sort descending and id ascending: with the ranks negated, the whole key
      // compares as one row. The similarity is compared as the real it was read as.
      return query.andWhere(
        `(NOT (${ranks.sku}), NOT (${ranks.prefix}), -${ranks.similarity}, p.id) >
         (NOT CAST(:afterSku AS boolean), NOT CAST(:afterPrefix AS boolean),
          -CAST(:afterSimilarity AS real), CAST(:afterId AS bigint))`,
        { afterSku: sku, afterPrefix: prefix, afterSimilarity: similarity, afterId },
      );
    }
  }
}

/** created_at to the microsecond, as text that reads back as the same timestamptz. */
const CREATED_AT_TEXT = `to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The columns a page reads beside its products to make the cursor of its last item. */
interface CursorColumns {
  cursor_created_at: string;
  rank_sku?: boolean;
  rank_prefix?: boolean;
  cursor_similarity?: string;
}

function sortKeyOf(sort: SortKey, product: Product, raw: CursorColumns): string[] {
  switch (sort) {
    case 'price':
    case '-price':
      return [product.price, product.id];
    case 'title':
      return [product.title, product.id];
    case '-created_at':
      return [raw.cursor_created_at, product.id];
    case 'relevance':
      return [String(raw.rank_sku), String(raw.rank_prefix), raw.cursor_similarity!, product.id];
    default:
      return [product.id];
  }
}

@Injectable()
export class SearchRepository extends RequestScopedRepository<Product> implements OnModuleInit {
  constructor(@InjectRepository(Product) products: Repository<Product>) {
    super(products);
  }

  /**
   * Case-insensitive search relies on the database's ctype folding every script; a "C" or
   * non-UTF-8 database would silently match ASCII only, so refuse to start on one.
   */
  async onModuleInit(): Promise<void> {
    const [{ folds }] = await this.scoped.query<Array<{ folds: boolean }>>(
      `SELECT lower('ÄΩЯ') = 'äωя' AND 'ябълка' ILIKE '%ЯБЪЛ%' AS folds`,
    );
    if (!folds) {
      throw new Error(
        'The database does not fold case beyond ASCII: create it with a UTF-8 locale such as C.UTF-8 or en_US.UTF-8',
      );
    }
  }

  /**
   * The page (with one row more than asked, to tell whether another follows) and its exact total
   * in one statement, so the two always agree: the count is an uncorrelated subquery over the same
   * filters (without the cursor), which PostgreSQL runs once beside a page that may still stop
   * early on an index. A second statement only when a page past the first is empty.
   */
  async search(criteria: SearchCriteria): Promise<SearchResult> {
    const filtered = applyFilters(this.scoped.createQueryBuilder('p'), criteria);
    const page = applyKeyset(applySort(filtered.clone(), criteria), criteria)
      .addSelect(CREATED_AT_TEXT, 'cursor_created_at')
      .limit(criteria.limit + 1)
      .offset(criteria.offset);
    if (criteria.withTotal)
      page.addSelect(`(${filtered.clone().select('count(*)::int').getQuery()})`, 'total');
    const { entities, raw } = await page.getRawAndEntities<CursorColumns & { total?: number }>();
    const rows = entities.map((product, index) => ({
      product,
      key: sortKeyOf(criteria.sort, product, raw[index]),
    }));
    if (!criteria.withTotal) return { rows, total: null };
    if (rows.length > 0) return { rows, total: Number(raw[0].total) };
    if (criteria.offset === 0 && criteria.after === undefined) return { rows, total: 0 };
    const totals = await filtered.clone().select('count(*)::int', 'total').getRawOne<{
      total: number;
    }>();
    return { rows, total: totals?.total ?? 0 };
  }
}
