import request from 'supertest';
import { createCategory, createProduct, uniqueSku } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';

describe('Products (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('should create a product with 201, a Location and the contract shape', async () => {
    const category = await createCategory(t.http);
    const response = await api()
      .post('/api/v1/products')
      .send({
        title: '  UltraBook X13  ',
        description: 'Light.\nFast.',
        image_url: 'https://cdn.example.com/a/ubx13.JPG?v=2',
        sku: '  ubx13-16 ',
        price: '1299.99',
        category_id: category.id,
      })
      .expect(201);
    expect(response.body).toEqual({
      id: expect.any(Number),
      title: 'UltraBook X13',
      description: 'Light.\nFast.',
      image_url: 'https://cdn.example.com/a/ubx13.JPG?v=2',
      sku: 'UBX13-16',
      price: '1299.99',
      category_id: category.id,
      is_active: true,
      created_at: expect.stringMatching(/Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
    expect(response.headers.location).toBe(`/api/v1/products/${response.body.id}`);
    await api().get(response.headers.location).expect(200, response.body);
  });

  it('should default description to "" and image_url and category_id to null', async () => {
    const product = await createProduct(t.http);
    expect(product).toMatchObject({ description: '', image_url: null, category_id: null });
  });

  describe('money', () => {
    it.each([
      ['9999999999.99', '9999999999.99'],
      ['0.1', '0.10'],
      [12.5, '12.50'],
      [0, '0.00'],
      ['5', '5.00'],
    ])('should round-trip %p exactly as %p', async (price, expected) => {
      const product = await createProduct(t.http, { price });
      expect(product.price).toBe(expected);
      const read = await api().get(`/api/v1/products/${product.id}`).expect(200);
      expect(read.body.price).toBe(expected);
    });

    it.each(['12.345', -1, 1e20, 'abc', '1e3', null, 12.345, '10000000000'])(
      'should refuse %p with a 422',
      async (price) => {
        const response = await api()
          .post('/api/v1/products')
          .send({ title: 'x', sku: uniqueSku(), price })
          .expect(422);
        expect(response.body.errors).toEqual([
          { field: 'price', message: expect.stringContaining('price must be') },
        ]);
      },
    );
  });

  describe('text and fields', () => {
    it('should count title limits in code points', async () => {
      await createProduct(t.http, { title: '😀'.repeat(255) });
      await api()
        .post('/api/v1/products')
        .send({ title: '😀'.repeat(256), sku: uniqueSku(), price: 1 })
        .expect(422);
      await api()
        .post('/api/v1/products')
        .send({ title: 'x', description: 'é'.repeat(10000), sku: uniqueSku(), price: 1 })
        .expect(201);
      await api()
        .post('/api/v1/products')
        .send({ title: 'x', description: 'é'.repeat(10001), sku: uniqueSku(), price: 1 })
        .expect(422);
    });

    it.each([
      ['title', 'bad\u0000title'],
      ['title', 'bell\u0007'],
      ['title', ''],
      ['description', 'nul\u0000'],
      ['description', null],
      ['sku', 'has space'],
      ['sku', 'ünïcode'],
      ['sku', 'x'.repeat(101)],
      ['sku', ''],
      ['image_url', 'ftp://cdn.example.com/a.jpg'],
      ['image_url', 'https://cdn.example.com/a.gif'],
      ['image_url', '/relative/a.jpg'],
      ['image_url', 'https://cdn.example.com/a.jpg.exe'],
      ['image_url', `https://cdn.example.com/${'a'.repeat(2080)}.jpg`],
      ['image_url', ''],
      ['image_url', 'https://x.example/\ud800.jpg'],
      ['title', 'lone \udc00 surrogate'],
      ['category_id', 'abc'],
      ['category_id', -3],
      ['id', 5],
      ['created_at', '2026-01-01T00:00:00.000Z'],
    ])('should refuse %s = %p with a 422 naming it', async (field, value) => {
      const response = await api()
        .post('/api/v1/products')
        .send({ title: 'Valid', sku: uniqueSku(), price: '1.00', [field]: value })
        .expect(422);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it('should accept image URLs ending in each allowed extension, in any case, with a query', async () => {
      for (const url of [
        'http://x.example/a.jpeg',
        'https://x.example/b.PNG?size=2',
        'https://x.example/c.webp',
        'http://localhost:8080/d.Jpg',
      ]) {
        const product = await createProduct(t.http, { image_url: url });
        expect(product.image_url).toBe(url);
      }
    });

    it('should count image_url limits in code points: 2083 with emoji is stored exactly, 2084 is not', async () => {
      const url = (length: number) => {
        const [prefix, suffix] = ['https://cdn.example.com/', '.jpg'];
        return `${prefix}${'😀'.repeat(length - prefix.length - suffix.length)}${suffix}`;
      };
      expect([...url(2083)]).toHaveLength(2083);
      const product = await createProduct(t.http, { image_url: url(2083) });
      expect(product.image_url).toBe(url(2083));
      await api().get(`/api/v1/products/${product.id}`).expect(200, product);
      const response = await api()
        .post('/api/v1/products')
        .send({ title: 'x', sku: uniqueSku(), price: 1, image_url: url(2084) })
        .expect(422);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([
        'image_url',
      ]);
    });

    it('should answer 422 for an unknown category', async () => {
      const response = await api()
        .post('/api/v1/products')
        .send({ title: 'x', sku: uniqueSku(), price: 1, category_id: 987654321 })
        .expect(422);
      expect(response.body.code).toBe('unknown_category');
    });
  });

  describe('SKU uniqueness', () => {
    it('should treat SKUs as the same after trimming and upper-casing', async () => {
      const sku = uniqueSku('ubx');
      await createProduct(t.http, { sku: sku.toLowerCase() });
      const response = await api()
        .post('/api/v1/products')
        .send({ title: 'Dup', sku: ` ${sku.toUpperCase()} `, price: 1 })
        .expect(409);
      expect(response.body.code).toBe('duplicate_sku');
    });

    it('should answer exactly one 201 and 409s when creates of one SKU race', async () => {
      const sku = uniqueSku('race');
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          api()
            .post('/api/v1/products')
            .send({ title: `Racer ${index}`, sku, price: 1 }),
        ),
      );
      expect(responses.map((response) => response.status).sort()).toEqual([
        201,
        ...Array<number>(19).fill(409),
      ]);
    });
  });

  describe('read, update, delete', () => {
    it('should list by id with the envelope and limits', async () => {
      const products = [await createProduct(t.http), await createProduct(t.http)];
      const all = await api().get('/api/v1/products?limit=100').expect(200);
      expect(all.body).toMatchObject({ limit: 100, offset: 0, total: expect.any(Number) });
      const ids = all.body.items.map((product: { id: number }) => product.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(ids).toEqual(expect.arrayContaining(products.map((product) => product.id)));
      for (const query of ['limit=0', 'limit=101', 'offset=-1', 'limit=x']) {
        await api().get(`/api/v1/products?${query}`).expect(422);
      }
    });

    it('should page products and categories by cursor, each exactly once', async () => {
      for (let index = 0; index < 5; index++) {
        await createProduct(t.http);
        await createCategory(t.http);
      }
      for (const resource of ['products', 'categories']) {
        const all = (await api().get(`/api/v1/${resource}?limit=100`).expect(200)).body;
        // More than one page of 3, and no more than the 100 compared with below.
        expect(all.items.length).toBeGreaterThan(3);
        expect(all.total).toBe(all.items.length);
        const seen: number[] = [];
        let cursor: string | null = null;
        do {
          const page: {
            body: {
              items: Array<{ id: number }>;
              next_cursor: string | null;
              total: number | null;
            };
          } = await api()
            .get(
              `/api/v1/${resource}?limit=3&include_total=false${cursor ? `&cursor=${cursor}` : ''}`,
            )
            .expect(200);
          expect(page.body.total).toBeNull();
          seen.push(...page.body.items.map((item) => item.id));
          cursor = page.body.next_cursor;
        } while (cursor !== null);
        expect(seen).toEqual(all.items.map((item: { id: number }) => item.id));
      }
    });

    it('should fetch a batch by ids, leaving unknown ids out', async () => {
      const [a, b] = [await createProduct(t.http), await createProduct(t.http)];
      const response = await api()
        .get(`/api/v1/products?ids=${b.id},987654321,${a.id}`)
        .expect(200);
      expect(response.body.items).toEqual([a, b]);
      expect(response.body.total).toBe(2);
      await api().get('/api/v1/products?ids=1,x').expect(422);
      const tooMany = Array.from({ length: 101 }, (_, index) => index + 1).join(',');
      await api().get(`/api/v1/products?ids=${tooMany}`).expect(422);
    });

    it('should patch any subset, unlink with category_id null, and refuse bad changes', async () => {
      const category = await createCategory(t.http);
      const product = await createProduct(t.http, { category_id: category.id });
      const patched = await api()
        .patch(`/api/v1/products/${product.id}`)
        .send({ price: 7.5, sku: ' new-sku-' + product.id })
        .expect(200);
      expect(patched.body).toMatchObject({
        price: '7.50',
        sku: `NEW-SKU-${product.id}`,
        title: product.title,
        category_id: category.id,
      });

      const unlinked = await api()
        .patch(`/api/v1/products/${product.id}`)
        .send({ category_id: null })
        .expect(200);
      expect(unlinked.body.category_id).toBeNull();
      await api().patch(`/api/v1/products/${product.id}`).send({}).expect(200);

      const other = await createProduct(t.http);
      await api()
        .patch(`/api/v1/products/${other.id}`)
        .send({ sku: patched.body.sku.toLowerCase() })
        .expect(409);
      for (const body of [
        { title: null },
        { price: null },
        { sku: null },
        { price: '1.234' },
        { id: 3 },
        { category_id: 987654321 },
      ]) {
        await api().patch(`/api/v1/products/${other.id}`).send(body).expect(422);
      }
      await api().patch('/api/v1/products/987654321').send({ title: 'x' }).expect(404);
      await api().patch('/api/v1/products/abc').send({ title: 'x' }).expect(422);
    });

    it('should delete with 204 and then answer 404', async () => {
      const product = await createProduct(t.http);
      await api().delete(`/api/v1/products/${product.id}`).expect(204, '');
      await api().get(`/api/v1/products/${product.id}`).expect(404);
      await api().delete(`/api/v1/products/${product.id}`).expect(404);
      await api().delete('/api/v1/products/0').expect(422);
    });

    it('should unlink products when their category or an ancestor of it is deleted', async () => {
      const root = await createCategory(t.http);
      const child = await createCategory(t.http, 'child', root.id);
      const inRoot = await createProduct(t.http, { category_id: root.id });
      const inChild = await createProduct(t.http, { category_id: child.id });
      await api().delete(`/api/v1/categories/${root.id}`).expect(204);
      for (const product of [inRoot, inChild]) {
        const read = await api().get(`/api/v1/products/${product.id}`).expect(200);
        expect(read.body.category_id).toBeNull();
      }
    });
  });
});
