import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DataSource } from 'typeorm';
import { Category } from '../categories/category.entity';
import { Product } from '../products/product.entity';
import { SearchQueryDto, toCents } from './dto/search-query.dto';
import { applyFilters, applySort, escapeLike, SearchCriteria } from './search.repository';
import { toCriteria } from './search.service';

/** Builds SQL only; nothing connects. */
class OfflineDataSource extends DataSource {
  prepare(): Promise<void> {
    return this.buildMetadatas();
  }
}
const dataSource = new OfflineDataSource({ type: 'postgres', entities: [Product, Category] });
const base: SearchCriteria = {
  fuzzy: false,
  includeInactive: true,
  sort: 'id',
  limit: 20,
  offset: 0,
  withTotal: true,
};
const sqlOf = (criteria: Partial<SearchCriteria>) => {
  const query = dataSource.getRepository(Product).createQueryBuilder('p');
  const full = { ...base, ...criteria };
  return applySort(applyFilters(query, full), full).getQueryAndParameters();
};
const parse = (query: Record<string, string>) => {
  const dto = plainToInstance(SearchQueryDto, query);
  return { dto, errors: validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }) };
};
const fieldsOf = (query: Record<string, string>) =>
  parse(query).errors.map((error) => error.property);

describe('search', () => {
  beforeAll(() => dataSource.prepare());

  describe('escapeLike', () => {
    it.each([
      ['50%', '50\\%'],
      ['snake_case', 'snake\\_case'],
      ['back\\slash', 'back\\\\slash'],
      ['%_\\', '\\%\\_\\\\'],
      ['plain', 'plain'],
    ])('should escape %p as %p', (text, escaped) => expect(escapeLike(text)).toBe(escaped));
  });

  describe('filter composition', () => {
    it('should add no condition without filters', () => {
      const [sql] = sqlOf({});
      expect(sql).not.toContain('WHERE');
      expect(sql).toMatch(/ORDER BY "p"."id" ASC$/);
    });

    it('should combine every filter with AND and bind every value', () => {
      const [sql, parameters] = sqlOf({
        text: 'a%b',
        sku: 'A%B',
        minPrice: '1.50',
        maxPrice: '9',
        subtree: { sql: 'p.category_id = ANY(:ids)', parameters: { ids: '7' } },
      });
      expect(sql).toContain(
        '("p"."title" ILIKE $1 OR "p"."sku" = $2) AND "p"."price" >= $3 AND "p"."price" <= $4 AND "p"."category_id" = ANY($5)',
      );
      expect(parameters).toEqual(['%a\\%b%', 'A%B', '1.50', '9', '7']);
    });

    it('should add the trigram match only when fuzzy', () => {
      expect(sqlOf({ text: 'lapotp', fuzzy: true })[0]).toContain('OR $2 <% "p"."title"');
      expect(sqlOf({ text: 'lapotp' })[0]).not.toContain('<%');
    });
  });

  describe('sort composition', () => {
    it.each([
      ['price', '"p"."price" ASC, "p"."id" ASC'],
      ['-price', '"p"."price" DESC, "p"."id" ASC'],
      ['title', '"p"."title" ASC, "p"."id" ASC'],
      ['-created_at', '"p"."created_at" DESC, "p"."id" DESC'],
    ] as const)('should order %s by %s', (sort, orderBy) => {
      expect(sqlOf({ sort })[0]).toMatch(
        new RegExp(`ORDER BY ${orderBy.replace(/[.$"]/g, '\\$&')}$`),
      );
    });

    it('should rank relevance by exact SKU, then prefix, then similarity, then id', () => {
      const [sql, parameters] = sqlOf({ sort: 'relevance', text: 'lap_', sku: 'LAP_' });
      expect(sql).toMatch(
        /ORDER BY "?rank_sku"? DESC, "?rank_prefix"? DESC, "?rank_similarity"? DESC, "p"."id" ASC$/,
      );
      expect(parameters).toEqual(expect.arrayContaining(['%lap\\_%', 'LAP_', 'lap\\_%', 'lap_']));
    });
  });

  describe('query parsing', () => {
    it('should apply the defaults', () => {
      const { dto, errors } = parse({});
      expect(errors).toEqual([]);
      expect(dto).toMatchObject({ limit: 20, offset: 0, sort: 'id', fuzzy: false });
    });

    it('should read typed values', () => {
      const { dto, errors } = parse({
        q: '  Laptop ',
        min_price: '10',
        max_price: '10.00',
        category_id: '3',
        fuzzy: 'true',
        limit: '5',
        offset: '10',
      });
      expect(errors).toEqual([]);
      expect(dto).toMatchObject({
        q: 'Laptop',
        min_price: '10',
        max_price: '10.00',
        category_id: 3,
        fuzzy: true,
        limit: 5,
        offset: 10,
      });
    });

    it.each([
      [{ min_price: '2', max_price: '1.99' }, 'max_price'],
      [{ min_price: '1.001' }, 'min_price'],
      [{ sort: 'relevance' }, 'sort'],
      [{ sort: 'newest' }, 'sort'],
      [{ fuzzy: '1' }, 'fuzzy'],
      [{ category_id: '1.5' }, 'category_id'],
      [{ q: '\u0007' }, 'q'],
      [{ limit: '101' }, 'limit'],
      [{ offset: 'x' }, 'offset'],
      [{ colour: 'red' }, 'colour'],
    ])('should refuse %p naming %s', (query, field) => expect(fieldsOf(query)).toContain(field));

    it('should read q as a SKU only when it normalises to a valid one', () => {
      const subtreeCondition = () => ({ sql: 'x', parameters: {} });
      expect(toCriteria(parse({ q: ' ab-12 ' }).dto, { subtreeCondition }).sku).toBe('AB-12');
      expect(toCriteria(parse({ q: 'two words' }).dto, { subtreeCondition }).sku).toBeUndefined();
      expect(toCriteria(parse({ category_id: '4' }).dto, { subtreeCondition }).subtree).toEqual({
        sql: 'x',
        parameters: {},
      });
    });

    it('should compare prices exactly in cents', () => {
      expect(toCents('9999999999.99')).toBe(999999999999n);
      expect(toCents('0.5')).toBe(50n);
      expect(toCents('12')).toBe(1200n);
    });
  });
});
