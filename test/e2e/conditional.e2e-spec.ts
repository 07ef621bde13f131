import request from 'supertest';
import { createCategory, createProduct } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';

describe('Conditional requests (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe.each([
    ['products', () => createProduct(t.http), (id: number) => ({ title: `Changed ${id}` })],
    ['categories', () => createCategory(t.http), (id: number) => ({ name: `Changed ${id}` })],
  ])('%s', (resource, create, change) => {
    it('should answer 304 with no body while the ETag matches, and 200 once it changed', async () => {
      const { id } = await create();
      const first = await api().get(`/api/v1/${resource}/${id}`).expect(200);
      const etag = first.headers.etag;
      expect(etag).toMatch(/^"\d+"$/);
      const notModified = await api()
        .get(`/api/v1/${resource}/${id}`)
        .set('If-None-Match', etag)
        .expect(304);
      expect(notModified.text).toBe('');
      await api()
        .get(`/api/v1/${resource}/${id}`)
        .set('If-None-Match', `W/${etag}, "1"`)
        .expect(304);

      const patched = await api().patch(`/api/v1/${resource}/${id}`).send(change(id)).expect(200);
      expect(patched.headers.etag).not.toBe(etag);
      const changed = await api()
        .get(`/api/v1/${resource}/${id}`)
        .set('If-None-Match', etag)
        .expect(200);
      expect(changed.body).toMatchObject(change(id));
      expect(changed.headers.etag).toBe(patched.headers.etag);
    });

    it('should refuse a PATCH or DELETE whose If-Match is out of date with 412, writing nothing', async () => {
      const { id } = await create();
      const stale = (await api().get(`/api/v1/${resource}/${id}`)).headers.etag;
      const fresh = (
        await api()
          .patch(`/api/v1/${resource}/${id}`)
          .set('If-Match', stale)
          .send(change(id))
          .expect(200)
      ).headers.etag;

      const refused = await api()
        .patch(`/api/v1/${resource}/${id}`)
        .set('If-Match', stale)
        .send(resource === 'products' ? { title: 'Lost update' } : { name: 'Lost update' })
        .expect(412);
      expect(refused.body).toMatchObject({ status: 412, code: 'precondition_failed' });
      await api().delete(`/api/v1/${resource}/${id}`).set('If-Match', stale).expect(412);
      await api().delete(`/api/v1/${resource}/${id}`).set('If-Match', `W/${fresh}`).expect(412);
      await api()
        .patch(`/api/v1/${resource}/${id}`)
        .set('If-Match', '"garbage"')
        .send({})
        .expect(412);
      const unchanged = await api().get(`/api/v1/${resource}/${id}`).expect(200);
      expect(unchanged.body).toMatchObject(change(id));
      expect(unchanged.headers.etag).toBe(fresh);

      await api().patch(`/api/v1/${resource}/${id}`).set('If-Match', '*').send({}).expect(200);
      await api().delete(`/api/v1/${resource}/${id}`).set('If-Match', fresh).expect(204);
      await api().delete(`/api/v1/${resource}/${id}`).set('If-Match', fresh).expect(404);
      await api()
        .patch(`/api/v1/${resource}/${id}`)
        .set('If-Match', '*')
        .send(change(id))
        .expect(404);
    });

    it('should let exactly one of racing PATCHes with the same If-Match win', async () => {
      const { id } = await create();
      const etag = (await api().get(`/api/v1/${resource}/${id}`)).headers.etag;
      const responses = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          api()
            .patch(`/api/v1/${resource}/${id}`)
            .set('If-Match', etag)
            .send(
              resource === 'products' ? { title: `Racer ${index}` } : { name: `Racer ${index}` },
            ),
        ),
      );
      expect(responses.map((response) => response.status).sort()).toEqual([
        200,
        ...Array<number>(7).fill(412),
      ]);
    });
  });

  it('should change a product ETag when deleting its category unlinks it', async () => {
    const category = await createCategory(t.http);
    const product = await createProduct(t.http, { category_id: category.id });
    const etag = (await api().get(`/api/v1/products/${product.id}`)).headers.etag;
    await api().delete(`/api/v1/categories/${category.id}`).expect(204);
    const read = await api()
      .get(`/api/v1/products/${product.id}`)
      .set('If-None-Match', etag)
      .expect(200);
    expect(read.body.category_id).toBeNull();
  });

  it('should tag creates, so a client can make a conditional write right away', async () => {
    const response = await api()
      .post('/api/v1/products')
      .send({ title: 'Tagged', sku: 'TAGGED-1', price: 1 })
      .expect(201);
    await api()
      .patch(`/api/v1/products/${response.body.id}`)
      .set('If-Match', response.headers.etag)
      .send({ price: 2 })
      .expect(200);
  });
});
