import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCategory, createProduct, uniqueName, uniqueSku } from '../factories/catalog.factory';
import { setStock } from '../factories/inventory.factory';
import { createTestApp, TestApp } from '../utils/test-app';

const COLUMNS = [
  'sku',
  'title',
  'description',
  'price',
  'image_url',
  'category_path',
  'is_active',
  'quantity',
];

type Row = Record<string, string>;

describe('Bulk import and export (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);
  const sql = <T>(query: string, parameters: unknown[] = []) =>
    t.app.get(DataSource).query<T>(query, parameters);

  const csv = (rows: Array<Record<string, unknown>>, columns?: string[]) =>
    stringify(rows, { header: true, columns: columns ?? Object.keys(rows[0]) });
  const importCsv = (body: string | Buffer, query = '') =>
    api()
      .post(`/api/v1/products/import${query}`)
      .set('Content-Type', 'text/csv')
      .send(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
  const exportCsv = async (): Promise<Row[]> => {
    const response = await api().get('/api/v1/products/export').expect(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    return parse<Row>(response.text, { columns: true });
  };
  /** What the catalog holds: every table an import writes to. */
  const snapshot = () =>
    Promise.all([
      sql(
        'SELECT id, sku, title, description, price, image_url, category_id, is_active, updated_at FROM product ORDER BY id',
      ),
      sql('SELECT product_id, quantity, updated_at FROM inventory ORDER BY product_id'),
      sql('SELECT id FROM inventory_movement ORDER BY id'),
      sql('SELECT id, name, parent_id FROM category ORDER BY id'),
    ]);

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('export', () => {
    it('should export every product by id, inactive included, with its path and stock, as CSV by default', async () => {
      const root = await createCategory(t.http, uniqueName('Root'));
      const leaf = await createCategory(t.http, uniqueName('Leaf'), root.id);
      const first = await createProduct(t.http, { category_id: leaf.id, description: 'One' });
      const second = await createProduct(t.http, { is_active: false, price: '5' });
      await setStock(t.http, first.id, 7);

      const response = await api()
        .get('/api/v1/products/export')
        .set('Accept', 'application/json')
        .expect(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.text.split('\r\n')[0]).toBe(COLUMNS.join(','));
      const rows = parse<Row>(response.text, { columns: true });
      const ours = rows.filter((row) => [first.sku, second.sku].includes(row.sku));
      expect(ours).toEqual([
        {
          sku: first.sku,
          title: first.title,
          description: 'One',
          price: '10.00',
          image_url: '',
          category_path: `${root.name} > ${leaf.name}`,
          is_active: 'true',
          quantity: '7',
        },
        {
          sku: second.sku,
          title: second.title,
          description: '',
          price: '5.00',
          image_url: '',
          category_path: '',
          is_active: 'false',
          quantity: '0',
        },
      ]);
    });

    it('should export NDJSON with the same fields when asked for application/x-ndjson', async () => {
      const product = await createProduct(t.http, {
        image_url: 'https://cdn.example.com/a.png',
        description: 'Line one\nline "two", ok',
      });
      const response = await api()
        .get('/api/v1/products/export')
        .set('Accept', 'application/x-ndjson')
        .expect(200);
      expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      expect(response.text.endsWith('\n')).toBe(true);
      const objects = response.text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(objects.find((object) => object.sku === product.sku)).toEqual({
        sku: product.sku,
        title: product.title,
        description: 'Line one\nline "two", ok',
        price: '10.00',
        image_url: 'https://cdn.example.com/a.png',
        category_path: '',
        is_active: true,
        quantity: 0,
      });
      for (const object of objects) expect(Object.keys(object)).toEqual(COLUMNS);
    });

    it('should stream more rows than one cursor batch, in id order', async () => {
      const prefix = uniqueSku('MANY');
      const rows = Array.from({ length: 2500 }, (_, index) => ({
        sku: `${prefix}-${String(index).padStart(4, '0')}`,
        title: `Item ${index}`,
        price: '1.00',
      }));
      await importCsv(csv(rows)).expect(200);
      const exported = (await exportCsv()).filter((row) => row.sku.startsWith(prefix));
      expect(exported.map((row) => row.sku)).toEqual(rows.map((row) => row.sku));
    });
  });

  describe('import', () => {
    it('should create and update by normalised SKU, keeping columns the file leaves out', async () => {
      const existing = await createProduct(t.http, {
        description: 'Kept',
        image_url: 'https://cdn.example.com/kept.jpg',
        is_active: false,
      });
      await setStock(t.http, existing.id, 3);
      const fresh = uniqueSku('NEW');
      const response = await importCsv(
        csv([
          { sku: ` ${existing.sku.toLowerCase()} `, title: 'Renamed', price: '12.5' },
          { sku: fresh, title: 'Brand new', price: '0' },
        ]),
      ).expect(200);
      expect(response.body).toEqual({ created: 1, updated: 1, categories_created: 0 });

      const updated = await api()
        .get(`/api/v1/products/${existing.id}?include=inventory`)
        .expect(200);
      expect(updated.body).toMatchObject({
        title: 'Renamed',
        price: '12.50',
        description: 'Kept',
        image_url: 'https://cdn.example.com/kept.jpg',
        is_active: false,
        inventory: { quantity: 3 },
      });
      const [created] = await sql<Array<Record<string, unknown>>>(
        'SELECT p.description, p.image_url, p.is_active, p.category_id, i.quantity FROM product p JOIN inventory i ON i.product_id = p.id WHERE sku = $1',
        [fresh],
      );
      expect(created).toEqual({
        description: '',
        image_url: null,
        is_active: true,
        category_id: null,
        quantity: 0,
      });
    });

    it('should set stock with set movements whose deltas add up to the quantity', async () => {
      const product = await createProduct(t.http);
      await setStock(t.http, product.id, 10);
      await importCsv(
        csv([{ sku: product.sku, title: product.title, price: '10.00', quantity: '4' }]),
      ).expect(200);
      const movements = await sql<Array<{ kind: string; delta: number; quantity_after: number }>>(
        'SELECT kind, delta, quantity_after FROM inventory_movement WHERE product_id = $1 ORDER BY id',
        [product.id],
      );
      expect(movements).toEqual([
        { kind: 'set', delta: 10, quantity_after: 10 },
        { kind: 'set', delta: -6, quantity_after: 4 },
      ]);
    });

    it('should change nothing when its own export is imported again', async () => {
      const root = await createCategory(t.http, uniqueName('Тест'));
      const product = await createProduct(t.http, {
        category_id: root.id,
        description: 'Commas, "quotes"\r\nand lines',
        image_url: 'https://cdn.example.com/x.webp?size=2',
      });
      await setStock(t.http, product.id, 9);
      const before = await snapshot();
      const exported = await api().get('/api/v1/products/export').expect(200);
      const response = await importCsv(exported.text).expect(200);
      const products = (before[0] as unknown[]).length;
      expect(response.body).toEqual({ created: 0, updated: products, categories_created: 0 });
      expect(await snapshot()).toEqual(before);
    });

    it('should keep commas, quotes, line breaks and non-Latin text both ways', async () => {
      const texts = [
        { title: 'Ябълка, червена', description: 'Say "hi"\nto\r\nall' },
        { title: '東京 "タワー"', description: 'emoji 🍎, tab\there' },
        { title: 'مرحبا بالعالم', description: '' },
      ];
      const prefix = uniqueSku('TXT');
      const rows = texts.map((text, index) => ({
        sku: `${prefix}-${index}`,
        ...text,
        price: '1.00',
        category_path: 'Fruits, fresh > "Red" 苹果',
      }));
      await importCsv(csv(rows)).expect(200);
      const exported = (await exportCsv()).filter((row) => row.sku.startsWith(prefix));
      expect(exported.map((row) => [row.title, row.description, row.category_path])).toEqual(
        texts.map((text) => [text.title, text.description, 'Fruits, fresh > "Red" 苹果']),
      );
      const search = await api().get('/api/v1/products/search').query({ q: 'ябълка' }).expect(200);
      expect(search.body.items.map((item: { title: string }) => item.title)).toContain(
        'Ябълка, червена',
      );
    });

    it('should create exactly the missing categories of the paths, reusing existing ones (NFC)', async () => {
      const top = await createCategory(t.http, uniqueName('Café'));
      const mid = await createCategory(t.http, 'Existing', top.id);
      const decomposed = top.name.normalize('NFD');
      const prefix = uniqueSku('CAT');
      const response = await importCsv(
        csv([
          { sku: `${prefix}-1`, title: 'A', price: '1', category_path: `${decomposed} > Existing` },
          {
            sku: `${prefix}-2`,
            title: 'B',
            price: '1',
            category_path: `${top.name} > Existing > New leaf`,
          },
          {
            sku: `${prefix}-3`,
            title: 'C',
            price: '1',
            category_path: `${top.name} > Other > Deeper`,
          },
          { sku: `${prefix}-4`, title: 'D', price: '1', category_path: '' },
        ]),
      ).expect(200);
      expect(response.body).toEqual({ created: 4, updated: 0, categories_created: 3 });
      const rows = await sql<Array<{ sku: string; path: string | null }>>(
        `SELECT p.sku, (SELECT string_agg(a.name, ' > ' ORDER BY a.depth DESC) FROM (
           WITH RECURSIVE up AS (SELECT id, name, parent_id, 0 AS depth FROM category WHERE id = p.category_id
             UNION ALL SELECT c.id, c.name, c.parent_id, up.depth + 1 FROM category c JOIN up ON c.id = up.parent_id)
           SELECT * FROM up) a) AS path
         FROM product p WHERE p.sku LIKE $1 ORDER BY p.sku`,
        [`${prefix}-%`],
      );
      expect(rows).toEqual([
        { sku: `${prefix}-1`, path: `${top.name} > Existing` },
        { sku: `${prefix}-2`, path: `${top.name} > Existing > New leaf` },
        { sku: `${prefix}-3`, path: `${top.name} > Other > Deeper` },
        { sku: `${prefix}-4`, path: null },
      ]);
      const [{ count }] = await sql<Array<{ count: number }>>(
        'SELECT count(*)::int AS count FROM category WHERE parent_id = $1',
        [mid.id],
      );
      expect(count).toBe(1);
    });

    it('should check only, writing nothing, with dry_run=true', async () => {
      const before = await snapshot();
      const response = await importCsv(
        csv([
          {
            sku: uniqueSku('DRY'),
            title: 'Dry',
            price: '1',
            category_path: uniqueName('Dry root'),
          },
        ]),
        '?dry_run=true',
      ).expect(200);
      expect(response.body).toEqual({ created: 1, updated: 0, categories_created: 1 });
      expect(await snapshot()).toEqual(before);
      await importCsv('sku,title,price\r\n', '?dry_run=maybe').expect(422);
    });

    it('should write nothing and name every bad row as "line N: field" when one row is invalid', async () => {
      const before = await snapshot();
      const prefix = uniqueSku('BAD');
      const response = await importCsv(
        csv([
          { sku: `${prefix}-1`, title: 'Good', price: '1.00', is_active: 'true', quantity: '1' },
          {
            sku: `${prefix}-2`,
            title: 'Multi\nline',
            price: '1.00',
            is_active: 'true',
            quantity: '1',
          },
          {
            sku: `${prefix}-3`,
            title: 'Comma price',
            price: '1,5',
            is_active: 'yes',
            quantity: '-1',
          },
          { sku: `${prefix}-1`, title: 'Twice', price: '2', is_active: 'false', quantity: '1' },
        ]),
      ).expect(422);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('validation_failed');
      // The second record spans lines 3 and 4, so the third starts on line 5.
      expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([
        'line 3: title',
        'line 5: price',
        'line 5: is_active',
        'line 5: quantity',
        'line 6: sku',
      ]);
      expect(response.body.errors[4].message).toContain('line 2');
      expect(await snapshot()).toEqual(before);
    });

    it('should list at most 100 errors', async () => {
      const rows = Array.from({ length: 150 }, (_, index) => ({
        sku: `X-${index}`,
        title: '',
        price: '1',
      }));
      const response = await importCsv(csv(rows)).expect(422);
      expect(response.body.errors).toHaveLength(100);
      expect(response.body.detail).toContain('150');
    });

    it.each([
      ['a missing required column', 'sku,title\r\nA,B\r\n', 422, 'validation_failed'],
      ['an unknown column', 'sku,title,price,colour\r\nA,B,1,red\r\n', 422, 'validation_failed'],
      ['a body that is not CSV', '{"sku": "A", "title": "B", "price": 1}', 400, 'malformed_csv'],
      ['an empty file', '', 422, 'validation_failed'],
      ['a quote left open', 'sku,title,price\r\nA,"B,1\r\n', 400, 'malformed_csv'],
      ['a row of the wrong width', 'sku,title,price\r\nA,B,1,2\r\n', 400, 'malformed_csv'],
    ])('should refuse %s, writing nothing', async (_name, body, status, code) => {
      const before = await snapshot();
      const response = await importCsv(body).expect(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe(code);
      expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts|CsvError/);
      expect(await snapshot()).toEqual(before);
    });

    it('should refuse invalid UTF-8 with a 400', async () => {
      const body = Buffer.concat([
        Buffer.from('sku,title,price\r\nA,'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from(',1\r\n'),
      ]);
      const response = await importCsv(body).expect(400);
      expect(response.body).toMatchObject({
        code: 'malformed_csv',
        detail: 'The import file is not valid UTF-8.',
      });
    });

    it('should refuse a category path deeper than 100', async () => {
      const path = Array.from({ length: 102 }, (_, index) => `L${index}`).join(' > ');
      const response = await importCsv(
        csv([{ sku: uniqueSku(), title: 'Deep', price: '1', category_path: path }]),
      ).expect(422);
      expect(response.body.errors).toEqual([
        { field: 'line 2: category_path', message: expect.stringContaining('deepest allowed') },
      ]);
      const ok = Array.from({ length: 101 }, (_, index) => `${uniqueName('D')}${index}`).join(
        ' > ',
      );
      const accepted = await importCsv(
        csv([{ sku: uniqueSku(), title: 'Deepest', price: '1', category_path: ok }]),
      ).expect(200);
      expect(accepted.body.categories_created).toBe(101);
    });

    it('should answer 415 for a body that is not text/csv, and 413 over 64 MiB', async () => {
      const json = await api().post('/api/v1/products/import').send({ sku: 'A' }).expect(415);
      expect(json.body.code).toBe('unsupported_media_type');
      await api()
        .post('/api/v1/products/import')
        .set('Content-Type', 'text/csv; charset=latin1')
        .send('sku,title,price\r\n')
        .expect(415);
      const big = Buffer.alloc(64 * 1024 * 1024 + 1, 'a');
      const response = await importCsv(big);
      expect(response.status).toBe(413);
      expect(response.body.code).toBe('payload_too_large');
      // Every other route keeps its 1 MiB limit.
      await api()
        .post('/api/v1/products')
        .set('Content-Type', 'application/json')
        .send(`{"title":"${'a'.repeat(1024 * 1024)}"}`)
        .expect(413);
    });

    it('should leave no duplicate SKU and no broken tree when racing product creates and category moves', async () => {
      const prefix = uniqueSku('RACE');
      const a = await createCategory(t.http, uniqueName('RaceA'));
      const b = await createCategory(t.http, uniqueName('RaceB'));
      const rows = Array.from({ length: 300 }, (_, index) => ({
        sku: `${prefix}-${index}`,
        title: `Race ${index}`,
        price: '1',
        category_path: `${a.name} > Sub ${index % 5} > Leaf`,
      }));
      const results = await Promise.all([
        importCsv(csv(rows)),
        ...Array.from({ length: 20 }, (_, index) =>
          api()
            .post('/api/v1/products')
            .send({ sku: `${prefix}-${index * 10}`, title: 'Direct', price: '2' }),
        ),
        api().patch(`/api/v1/categories/${a.id}`).send({ parent_id: b.id }),
        api().patch(`/api/v1/categories/${b.id}`).send({ parent_id: a.id }),
      ]);
      expect(results[0].status).toBe(200);
      for (const response of results.slice(1, 21)) expect([201, 409]).toContain(response.status);
      const [{ products, distinct }] = await sql<Array<{ products: number; distinct: number }>>(
        'SELECT count(*)::int AS products, count(DISTINCT sku)::int AS distinct FROM product WHERE sku LIKE $1',
        [`${prefix}-%`],
      );
      expect({ products, distinct }).toEqual({ products: 300, distinct: 300 });
      // No cycle: every category reaches a root within 101 steps.
      const [{ broken }] = await sql<Array<{ broken: number }>>(
        `WITH RECURSIVE up AS (SELECT id, parent_id, 0 AS steps FROM category
           UNION ALL SELECT up.id, c.parent_id, up.steps + 1 FROM up JOIN category c ON c.id = up.parent_id WHERE up.steps < 102)
         SELECT count(*)::int AS broken FROM up WHERE steps > 101`,
      );
      expect(broken).toBe(0);
      const subs = await sql<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM category WHERE parent_id = $1 GROUP BY name`,
        [a.id],
      );
      expect(subs).toHaveLength(5);
      for (const sub of subs) expect(sub.count).toBe(1);
    });
  });
});
