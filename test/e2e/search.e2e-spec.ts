import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  createCategory,
  createChain,
  createProduct,
  ProductBody,
} from '../factories/catalog.factory';
import { escapeLike } from '../../src/modules/search/search.repository';
import { createTestApp, TestApp } from '../utils/test-app';
import { requestStatementsInto } from '../utils/statements';

describe('Search (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);
  const search = async (
    query: string,
  ): Promise<{
    items: ProductBody[];
    total: number | null;
    limit: number;
    offset: number;
    next_cursor: string | null;
  }> => (await api().get(`/api/v1/products/search?${query}`).expect(200)).body;
  const ids = (products: Array<{ id: number }>) => products.map((product) => product.id);

  beforeAll(async () => {
    // Without the result cache, so that every search below runs its SQL.
    t = await createTestApp({ RESULT_CACHE_ENTRIES: '0' });
  });
  afterAll(() => t.close());

  it('should route /products/search to search, not to /products/:id', async () => {
    const page = await search('q=nothing-matches-this');
    expect(page).toEqual({ items: [], total: 0, limit: 20, offset: 0, next_cursor: null });
  });

  describe('text', () => {
    it('should match titles case-insensitively in every script', async () => {
      const cyrillic = await createProduct(t.http, { title: 'Ябълка Голяма' });
      const greek = await createProduct(t.http, { title: 'ΕΛΛΗΝΙΚΌ Μέλι' });
      const latin = await createProduct(t.http, { title: 'Crème BRÛLÉE Deluxe' });
      expect(ids((await search('q=ябълка')).items)).toEqual([cyrillic.id]);
      expect(ids((await search(`q=${encodeURIComponent('ЯБЪЛКА')}`)).items)).toEqual([cyrillic.id]);
      expect(ids((await search(`q=${encodeURIComponent('ελληνικό')}`)).items)).toEqual([greek.id]);
      expect(ids((await search(`q=${encodeURIComponent('brûlée')}`)).items)).toEqual([latin.id]);
      expect(ids((await search(`q=${encodeURIComponent('CRÈME')}`)).items)).toEqual([latin.id]);
    });

    it('should match composed and decomposed spellings alike (both are stored and searched as NFC)', async () => {
      const product = await createProduct(t.http, { title: 'Jalapen\u0303o Qworp' });
      expect(product.title).toBe('Jalape\u00f1o Qworp');
      for (const q of ['jalape\u00f1o qworp', 'JALAPEN\u0303O'])
        expect(ids((await search(`q=${encodeURIComponent(q)}`)).items)).toEqual([product.id]);
    });

    it('should take %, _ and \\ literally', async () => {
      const percent = await createProduct(t.http, { title: 'Discount 50% Zlatan' });
      const underscore = await createProduct(t.http, { title: 'snake_case Zlatan' });
      const backslash = await createProduct(t.http, { title: 'back\\slash Zlatan' });
      await createProduct(t.http, { title: 'Discount 500 Zlatan snakeXcase backslash' });
      expect(ids((await search(`q=${encodeURIComponent('50%')}`)).items)).toEqual([percent.id]);
      expect(ids((await search(`q=${encodeURIComponent('e_c')}`)).items)).toEqual([underscore.id]);
      expect(ids((await search(`q=${encodeURIComponent('k\\s')}`)).items)).toEqual([backslash.id]);
      const withPercent = await t.app
        .get(DataSource)
        .query<Array<{ id: string }>>(
          `SELECT id FROM product WHERE strpos(title, '%') > 0 ORDER BY id`,
        );
      expect(withPercent.map((row) => Number(row.id))).toContain(percent.id);
      expect(ids((await search(`q=${encodeURIComponent('%')}&limit=100`)).items)).toEqual(
        withPercent.map((row) => Number(row.id)),
      );
    });

    it('should match a SKU equal to q after normalisation, but not a part of it', async () => {
      const product = await createProduct(t.http, { title: 'Plain title', sku: 'QX-5000-A' });
      expect(ids((await search('q=%20qx-5000-a%20')).items)).toEqual([product.id]);
      expect((await search('q=QX-5000')).items).toEqual([]);
    });

    it('should find a misspelled title only with fuzzy=true', async () => {
      const laptop = await createProduct(t.http, { title: 'Laptop Zephyrus 14' });
      expect((await search('q=lapotp')).items).toEqual([]);
      expect(ids((await search('q=lapotp&fuzzy=true')).items)).toContain(laptop.id);
    });
  });

  describe('two-character text (narrowed by the bigram index)', () => {
    const titles = [
      '蓝色手机 Pro',
      '手机壳 黑色',
      '手 机 stand',
      '机手 toy',
      '智能手表',
      'ЩЪ гайка',
      'Большой щъ болт',
      'Щ ъ шайба',
      'QZ adapter',
      'faqzine Qz',
      'Q Z spacer',
      'Ｑｚ wide',
      'ΣΩ gear',
      'İSTANBUL kebab',
      'Sale %_ badge',
      'Sale %x badge',
      'Sale x_ badge',
      'snake__twin',
      'half\\\\way',
      '100%% sure',
    ];
    const created: ProductBody[] = [];
    const idsOf = (expected: string[]) =>
      created.filter((product) => expected.includes(product.title)).map((product) => product.id);

    beforeAll(async () => {
      for (const title of titles) created.push(await createProduct(t.http, { title }));
      // Matches "qz" by its SKU only: the bigram condition must not hide the SKU alternative.
      created.push(await createProduct(t.http, { title: 'Plain spacer', sku: 'qz' }));
    });

    it.each([
      ['手机', ['蓝色手机 Pro', '手机壳 黑色']],
      ['蓝色', ['蓝色手机 Pro']],
      ['机手', ['机手 toy']],
      ['щъ', ['ЩЪ гайка', 'Большой щъ болт']],
      ['ЩЪ', ['ЩЪ гайка', 'Большой щъ болт']],
      ['Щъ', ['ЩЪ гайка', 'Большой щъ болт']],
      ['qz', ['QZ adapter', 'faqzine Qz', 'Plain spacer']],
      ['Qz', ['QZ adapter', 'faqzine Qz', 'Plain spacer']],
      ['ｑＺ', ['Ｑｚ wide']],
      ['σω', ['ΣΩ gear']],
      ['%_', ['Sale %_ badge']],
      ['__', ['snake__twin']],
      ['%%', ['100%% sure']],
      ['\\\\', ['half\\\\way']],
      ['f\\', ['half\\\\way']],
    ])('should find exactly the titles containing %p', async (needle, expected) => {
      const page = await search(`q=${encodeURIComponent(needle)}&limit=100`);
      expect(ids(page.items)).toEqual(idsOf(expected));
      expect(page.total).toBe(expected.length);
    });

    it('should answer exactly what ILIKE and the SKU alone match, in every script', async () => {
      const dataSource = t.app.get(DataSource);
      const statements: string[] = [];
      dataSource.subscribers.push(requestStatementsInto(statements));
      const needles = [
        '手机',
        '机 ',
        'щЪ',
        'Σω',
        'ｑz',
        'İs',
        'is',
        'ST',
        'z1',
        '%_',
        '_\\',
        '\\s',
      ];
      for (const needle of needles) {
        const rows = await dataSource.query<Array<{ id: string }>>(
          `SELECT id FROM product WHERE title ILIKE $1 OR sku = upper($2) ORDER BY id`,
          [`%${escapeLike(needle.trim())}%`, needle.trim()],
        );
        const page = await search(`q=${encodeURIComponent(needle)}&limit=100`);
        expect([needle, ids(page.items)]).toEqual([needle, rows.map((row) => Number(row.id))]);
      }
      dataSource.subscribers.pop();
      // One search statement per needle narrows by bigrams: all but '机 ', trimmed to one character.
      expect(statements.filter((sql) => sql.includes('catalog_bigrams'))).toHaveLength(
        needles.length - 1,
      );
    });

    it('should still match 2-character needles fuzzily', async () => {
      expect(ids((await search('q=qz&fuzzy=true&limit=100')).items)).toEqual(
        expect.arrayContaining(idsOf(['QZ adapter', 'Plain spacer'])),
      );
    });
  });

  describe('price', () => {
    it('should include both borders', async () => {
      const cheap = await createProduct(t.http, { title: 'Pricey Widget A', price: '10.00' });
      const middle = await createProduct(t.http, { title: 'Pricey Widget B', price: '10.01' });
      const dear = await createProduct(t.http, { title: 'Pricey Widget C', price: '20.00' });
      expect(ids((await search('q=Pricey%20Widget&min_price=10&max_price=20')).items)).toEqual([
        cheap.id,
        middle.id,
        dear.id,
      ]);
      expect(
        ids((await search('q=Pricey%20Widget&min_price=10.01&max_price=19.99')).items),
      ).toEqual([middle.id]);
      expect(ids((await search('q=Pricey%20Widget&min_price=20')).items)).toEqual([dear.id]);
      expect(ids((await search('q=Pricey%20Widget&max_price=10')).items)).toEqual([cheap.id]);
      expect(
        ids((await search('q=Pricey%20Widget&min_price=10.00&max_price=10.00')).items),
      ).toEqual([cheap.id]);
    });

    it.each([
      'min_price=-1',
      'min_price=abc',
      'max_price=1.234',
      'min_price=5&max_price=4.99',
      'min_price=1e3',
    ])('should refuse %s with a 422', async (query) => {
      const response = await api().get(`/api/v1/products/search?${query}`).expect(422);
      expect(response.body.code).toBe('validation_failed');
    });
  });

  describe('category subtree', () => {
    it('should find products at any depth below the category, down to depth 100', async () => {
      const chain = await createChain(t.http, 101);
      const deepest = await createProduct(t.http, {
        title: 'Abyssal gadget',
        category_id: chain[100].id,
      });
      const middle = await createProduct(t.http, {
        title: 'Abyssal midway',
        category_id: chain[50].id,
      });
      const outside = await createProduct(t.http, {
        title: 'Abyssal outsider',
        category_id: (await createCategory(t.http)).id,
      });

      expect(ids((await search(`category_id=${chain[0].id}`)).items)).toEqual(
        [deepest.id, middle.id].sort((a, b) => a - b),
      );
      expect(ids((await search(`category_id=${chain[51].id}`)).items)).toEqual([deepest.id]);
      expect(ids((await search(`category_id=${chain[100].id}`)).items)).toEqual([deepest.id]);
      expect(ids((await search('q=abyssal')).items)).toEqual([deepest.id, middle.id, outside.id]);
    });

    it('should answer 404 for an unknown category and 422 for a malformed one', async () => {
      const response = await api().get('/api/v1/products/search?category_id=987654321').expect(404);
      expect(response.body.code).toBe('not_found');
      await api().get('/api/v1/products/search?category_id=abc').expect(422);
      await api().get('/api/v1/products/search?category_id=0').expect(422);
    });

    it('should combine text, price and subtree with AND', async () => {
      const root = await createCategory(t.http);
      const child = await createCategory(t.http, 'child', root.id);
      const match = await createProduct(t.http, {
        title: 'Combo kettle',
        price: '50.00',
        category_id: child.id,
      });
      await createProduct(t.http, {
        title: 'Combo kettle',
        price: '500.00',
        category_id: child.id,
      });
      await createProduct(t.http, {
        title: 'Combo toaster',
        price: '50.00',
        category_id: child.id,
      });
      await createProduct(t.http, { title: 'Combo kettle', price: '50.00' });
      const page = await search(`q=KETTLE&min_price=10&max_price=100&category_id=${root.id}`);
      expect(page).toEqual({ items: [match], total: 1, limit: 20, offset: 0, next_cursor: null });
    });
  });

  describe('paging and sorting', () => {
    let products: ProductBody[];

    beforeAll(async () => {
      products = [];
      const prices = ['5.00', '1.00', '3.00', '3.00', '9.99', '0.50', '7.25'];
      for (const [index, price] of prices.entries()) {
        products.push(
          await createProduct(t.http, {
            title: `Pager ${String.fromCharCode(71 - index)} item`,
            price,
          }),
        );
      }
    });

    it('should yield every match exactly once when paging through all pages', async () => {
      const seen: number[] = [];
      for (const sort of ['id', 'price', '-price', 'title', '-created_at']) {
        seen.length = 0;
        for (let offset = 0; ; offset += 2) {
          const page = await search(`q=pager&sort=${sort}&limit=2&offset=${offset}`);
          expect(page.total).toBe(products.length);
          if (page.items.length === 0) break;
          seen.push(...ids(page.items));
        }
        expect([...seen].sort((a, b) => a - b)).toEqual(ids(products));
      }
    });

    it('should yield every match exactly once when following next_cursor, for every keyset sort', async () => {
      for (const sort of ['id', 'price', '-price', 'title', '-created_at']) {
        const seen: number[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const query: string = `q=pager&sort=${sort}&limit=2&include_total=false${cursor ? `&cursor=${cursor}` : ''}`;
          const page = await search(query);
          expect(page.total).toBeNull();
          seen.push(...ids(page.items));
          cursor = page.next_cursor;
          pages++;
        } while (cursor !== null && pages < 10);
        expect(pages).toBe(Math.ceil(products.length / 2));
        expect([...seen].sort((a, b) => a - b)).toEqual(ids(products));
        const byOffset = ids((await search(`q=pager&sort=${sort}&limit=100`)).items);
        expect(seen).toEqual(byOffset);
      }
    });

    it.each([
      ['a cursor with an offset', 'offset=2&cursor=WyJpZCIsIjEiXQ'],
      ['a malformed cursor', 'cursor=not-a-cursor'],
      ['a cursor of another sort', 'sort=price&cursor=WyJpZCIsIjEiXQ'],
      ['an id cursor with relevance', 'q=pager&sort=relevance&cursor=WyJpZCIsIjEiXQ'],
      ['include_total=maybe', 'include_total=maybe'],
      [
        'an impossible created_at in a cursor',
        `sort=-created_at&cursor=${Buffer.from(JSON.stringify(['-created_at', '2026-13-45T99:99:99.000000Z', '1'])).toString('base64url')}`,
      ],
      [
        'a NUL title in a cursor',
        `sort=title&cursor=${Buffer.from(JSON.stringify(['title', '\u0000', '1'])).toString('base64url')}`,
      ],
    ])('should refuse %s with a 422', async (_, query) => {
      await api().get(`/api/v1/products/search?${query}`).expect(422);
    });

    it('should still answer 404 for an unknown category without counting', async () => {
      await api()
        .get('/api/v1/products/search?category_id=987654321&include_total=false')
        .expect(404);
    });

    it('should order by price with id breaking ties, and by title', async () => {
      const byPrice = (await search('q=pager&sort=price&limit=100')).items;
      expect(byPrice.map((p) => p.price)).toEqual([
        '0.50',
        '1.00',
        '3.00',
        '3.00',
        '5.00',
        '7.25',
        '9.99',
      ]);
      expect(byPrice[2].id).toBeLessThan(byPrice[3].id);
      const byPriceDesc = (await search('q=pager&sort=-price&limit=100')).items;
      expect(byPriceDesc.map((p) => p.price)).toEqual([
        '9.99',
        '7.25',
        '5.00',
        '3.00',
        '3.00',
        '1.00',
        '0.50',
      ]);
      const byTitle = (await search('q=pager&sort=title')).items.map((p) => p.title);
      expect(byTitle).toEqual([...'ABCDEFG'].map((letter) => `Pager ${letter} item`));
      const newest = (await search('q=pager&sort=-created_at')).items;
      expect(ids(newest)).toEqual(ids(products).reverse());
    });

    it('should rank by relevance: exact SKU, then title prefix, then similarity', async () => {
      const contains = await createProduct(t.http, { title: 'Big Relevantix thing' });
      const prefix = await createProduct(t.http, { title: 'Relevantix small' });
      const sku = await createProduct(t.http, { title: 'Unrelated name', sku: 'RELEVANTIX' });
      const exact = await createProduct(t.http, { title: 'Relevantix' });
      const page = await search('q=relevantix&sort=relevance');
      expect(ids(page.items)).toEqual([sku.id, exact.id, prefix.id, contains.id]);
      await api().get('/api/v1/products/search?sort=relevance').expect(422);
    });

    describe('relevance by cursor', () => {
      const cursorOf = (...parts: unknown[]) =>
        Buffer.from(JSON.stringify(['relevance', ...parts])).toString('base64url');
      let ranked: ProductBody[];

      beforeAll(async () => {
        ranked = [];
        // Repeated titles tie in every rank, id included only as the last word.
        for (const title of [
          'Big rankpage lamp',
          'Rankpage lamp',
          'Rankpage',
          'Big rankpage lamp',
          'Tiny rankpage',
          'Rankpage lamp',
          'Rankpage',
          'rankpage-xl',
          'Big rankpage lamp',
          'Old big rankpage lamp shade',
          'Rankpage lamp',
        ])
          ranked.push(await createProduct(t.http, { title }));
        ranked.push(await createProduct(t.http, { title: 'Plain crate', sku: 'RANKPAGE' }));
      });

      it('should yield by cursor exactly the sequence of offset paging, ties and the SKU hit included', async () => {
        const byOffset = ids((await search('q=rankpage&sort=relevance&limit=100')).items);
        expect([...byOffset].sort((a, b) => a - b)).toEqual(ids(ranked));
        expect(byOffset[0]).toBe(ranked.at(-1)!.id);

        for (const limit of [1, 2, 5]) {
          const seen: number[] = [];
          let cursor: string | null = null;
          do {
            const page = await search(
              `q=rankpage&sort=relevance&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
            );
            expect(page.total).toBe(ranked.length);
            seen.push(...ids(page.items));
            cursor = page.next_cursor;
          } while (cursor !== null && seen.length <= ranked.length);
          expect(seen).toEqual(byOffset);
        }
      });

      it.each([
        ['a rank that is no boolean', cursorOf('maybe', 'true', '0.5', '1')],
        ['a similarity that is no number', cursorOf('true', 'true', 'abc', '1')],
        ['a similarity above 1', cursorOf('false', 'true', '1.5', '1')],
        ['a similarity out of range for a real', cursorOf('false', 'true', '1e39', '1')],
        ['a similarity too small for a real', cursorOf('false', 'true', '1e-50', '1')],
        ['a negative similarity', cursorOf('false', 'false', '-0.5', '1')],
        ['a missing id', cursorOf('false', 'true', '0.5')],
        ['an id that is not positive', cursorOf('false', 'true', '0.5', '0')],
        ['an extra part', cursorOf('false', 'true', '0.5', '1', '2')],
        ['numbers in place of text', cursorOf(false, true, 0.5, '1')],
      ])('should refuse %s in a relevance cursor with a 422', async (_, cursor) => {
        const response = await api()
          .get(`/api/v1/products/search?q=rankpage&sort=relevance&cursor=${cursor}`)
          .expect(422);
        expect(response.body.errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
      });
    });

    it.each([
      'sort=name',
      'limit=0',
      'limit=101',
      'offset=-1',
      'fuzzy=yes',
      'q=',
      'q=%00',
      `q=${'x'.repeat(256)}`,
    ])('should refuse %s with a 422', async (query) => {
      await api().get(`/api/v1/products/search?${query}`).expect(422);
    });
  });

  describe('round trips', () => {
    it('should run one statement for a search, its total included, and one for a get', async () => {
      const statements: string[] = [];
      const dataSource = t.app.get(DataSource);
      dataSource.subscribers.push(requestStatementsInto(statements));
      const root = await createCategory(t.http);
      const product = await createProduct(t.http, { title: 'Counted gizmo', category_id: root.id });

      // The first read after a write also reads the catalog version once; from then on it is known.
      await search('q=warm-up');
      statements.length = 0;
      await search(`q=gizmo&min_price=1&max_price=100&category_id=${root.id}&sort=relevance`);
      expect(statements).toHaveLength(1); // the page carries its exact total

      const next = await search('q=pager&limit=1');
      statements.length = 0;
      await search(`q=pager&limit=1&cursor=${next.next_cursor}`);
      expect(statements).toHaveLength(1); // after a cursor too, the total counts the whole query

      const etag = (await api().get('/api/v1/products/search?q=gizmo')).headers.etag;
      statements.length = 0;
      await api().get('/api/v1/products/search?q=gizmo').set('If-None-Match', etag).expect(304);
      expect(statements).toEqual([]);

      statements.length = 0;
      await api().get(`/api/v1/products/${product.id}`).expect(200);
      expect(statements).toHaveLength(1);

      statements.length = 0;
      await api().get(`/api/v1/products?ids=${product.id}`).expect(200);
      expect(statements).toHaveLength(1);
      dataSource.subscribers.pop();
    });
  });
});
