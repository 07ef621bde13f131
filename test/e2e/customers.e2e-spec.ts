import request from 'supertest';
import { DataSource } from 'typeorm';
import { CustomerBody, createCustomer, uniqueEmail } from '../factories/commerce.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { shown } from '../utils/test-names';
import { requestStatementsInto } from '../utils/statements';

describe('Customers (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);
  const sql = <T>(query: string, parameters: unknown[] = []) =>
    t.app.get(DataSource).query<T>(query, parameters);
  const customerCount = async () =>
    (await sql<Array<{ count: number }>>('SELECT count(*)::int AS count FROM customer'))[0].count;
  const rowsWithEmail = async (email: string) =>
    (
      await sql<Array<{ count: number }>>(
        'SELECT count(*)::int AS count FROM customer WHERE email = $1',
        [email],
      )
    )[0].count;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('create', () => {
    it('should create a customer with 201, a Location, an ETag and the contract shape', async () => {
      const email = uniqueEmail('shape');
      const response = await api()
        .post('/api/v1/customers')
        .send({ email, name: '  Ann Lee  ' })
        .expect(201);
      expect(response.body).toEqual({
        id: expect.any(Number),
        email,
        name: 'Ann Lee',
        created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        updated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      });
      expect(response.headers.location).toBe(`/api/v1/customers/${response.body.id}`);
      expect(response.headers.etag).toMatch(/^"\d+"$/);
      const read = await api().get(response.headers.location).expect(200, response.body);
      expect(read.headers.etag).toBe(response.headers.etag);
    });

    it('should store the e-mail address trimmed and lower-cased, and refuse it in another case with 409', async () => {
      const local = `ann-${process.pid}-${Date.now()}`;
      const created = await createCustomer(t.http, { email: `  ${local}@Example.COM ` });
      expect(created.email).toBe(`${local}@example.com`);
      const [{ email }] = await sql<Array<{ email: string }>>(
        'SELECT email FROM customer WHERE id = $1',
        [created.id],
      );
      expect(email).toBe(`${local}@example.com`);

      const before = await customerCount();
      const duplicate = await api()
        .post('/api/v1/customers')
        .send({ email: `${local.toUpperCase()}@EXAMPLE.com`, name: 'Another Ann' })
        .expect(409);
      expect(duplicate.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(duplicate.body).toMatchObject({ status: 409, code: 'duplicate_email' });
      expect(await customerCount()).toBe(before);
    });

    it('should accept an address of exactly 254 characters and a name of 255 emoji', async () => {
      const domain = '@example.com';
      const email = `${'a'.repeat(254 - domain.length - 6)}${String(process.pid).padStart(6, '0').slice(-6)}${domain}`;
      expect(email).toHaveLength(254);
      const created = await createCustomer(t.http, { email, name: '😀'.repeat(255) });
      expect(created).toMatchObject({ email, name: '😀'.repeat(255) });
      const unicode = await createCustomer(t.http, { email: `Ünï-${process.pid}@Bücher.example` });
      expect(unicode.email).toBe(`ünï-${process.pid}@bücher.example`);
    });

    it.each(
      [
        ['email', 'no-at.example.com'],
        ['email', 'two@@example.com'],
        ['email', 'a@b@example.com'],
        ['email', '@example.com'],
        ['email', 'ann@'],
        ['email', '@'],
        ['email', ''],
        ['email', '   '],
        ['email', `${'a'.repeat(243)}@example.com`],
        ['email', `${'é'.repeat(243)}@example.com`],
        ['email', 'ann lee@example.com'],
        ['email', 'ann@exa mple.com'],
        ['email', 'ann\t@example.com'],
        ['email', 'ann\u0000@example.com'],
        ['email', 'ann\u200b@example.com'],
        ['email', 'ann\u00a0x@example.com'],
        ['email', 'ann\ud800@example.com'],
        ['email', null],
        ['email', 42],
        ['email', ['ann@example.com']],
        ['name', ''],
        ['name', '   '],
        ['name', 'x'.repeat(256)],
        ['name', '😀'.repeat(256)],
        ['name', 'bell\u0007'],
        ['name', 'line\nbreak'],
        ['name', null],
        ['name', 7],
        ['id', 5],
        ['created_at', '2026-01-01T00:00:00.000Z'],
        ['updated_at', '2026-01-01T00:00:00.000Z'],
        ['role', 'admin'],
      ].map(([field, value]) => [String(field), shown(value), value] as const),
    )(
      'should refuse %s = %s with a 422 naming it, writing nothing',
      async (field, _name, value) => {
        const before = await customerCount();
        const response = await api()
          .post('/api/v1/customers')
          .send({ email: uniqueEmail(), name: 'Valid Name', [field]: value })
          .expect(422);
        expect(response.body).toMatchObject({ status: 422, code: 'validation_failed' });
        expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(
          field,
        );
        expect(await customerCount()).toBe(before);
      },
    );

    it('should refuse a body without email or name', async () => {
      for (const body of [{ name: 'No mail' }, { email: uniqueEmail() }, {}]) {
        const response = await api().post('/api/v1/customers').send(body).expect(422);
        const fields = response.body.errors.map((error: { field: string }) => error.field);
        for (const required of ['email', 'name'].filter((field) => !(field in body)))
          expect(fields).toContain(required);
      }
    });

    it('should answer exactly one 201 and 409s when creates of one address race, leaving one row', async () => {
      const email = uniqueEmail('race');
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          api()
            .post('/api/v1/customers')
            // The same address in several spellings: all normalise to one.
            .send({
              email: index % 2 ? email.toUpperCase() : ` ${email} `,
              name: `Racer ${index}`,
            }),
        ),
      );
      expect(responses.map((response) => response.status).sort()).toEqual([
        201,
        ...Array<number>(9).fill(409),
      ]);
      for (const response of responses.filter((response) => response.status === 409))
        expect(response.body.code).toBe('duplicate_email');
      expect(await rowsWithEmail(email)).toBe(1);
    });

    it('should create once for a retry with the same Idempotency-Key', async () => {
      const email = uniqueEmail('idem');
      const key = `customer-${email}`;
      const first = await api()
        .post('/api/v1/customers')
        .set('Idempotency-Key', key)
        .send({ email, name: 'Once' })
        .expect(201);
      const retry = await api()
        .post('/api/v1/customers')
        .set('Idempotency-Key', key)
        .send({ name: 'Once', email })
        .expect(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers.location).toBe(first.headers.location);
      expect(retry.headers.etag).toBe(first.headers.etag);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await rowsWithEmail(email)).toBe(1);
      const reused = await api()
        .post('/api/v1/customers')
        .set('Idempotency-Key', key)
        .send({ email, name: 'Twice' })
        .expect(422);
      expect(reused.body.code).toBe('idempotency_key_reused');
    });
  });

  describe('read', () => {
    it('should answer 404 for an unknown customer and 422 for a malformed id', async () => {
      const missing = await api().get('/api/v1/customers/987654321').expect(404);
      expect(missing.body).toMatchObject({ status: 404, code: 'not_found' });
      for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
        const response = await api().get(`/api/v1/customers/${id}`).expect(422);
        expect(response.body.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
      }
    });

    it('should answer 304 while the row ETag matches, and 200 with a new one after a change', async () => {
      const customer = await createCustomer(t.http);
      const first = await api().get(`/api/v1/customers/${customer.id}`).expect(200);
      const notModified = await api()
        .get(`/api/v1/customers/${customer.id}`)
        .set('If-None-Match', first.headers.etag)
        .expect(304);
      expect(notModified.text).toBe('');
      await api().patch(`/api/v1/customers/${customer.id}`).send({ name: 'Renamed' }).expect(200);
      const changed = await api()
        .get(`/api/v1/customers/${customer.id}`)
        .set('If-None-Match', first.headers.etag)
        .expect(200);
      expect(changed.body.name).toBe('Renamed');
      expect(changed.headers.etag).not.toBe(first.headers.etag);
    });
  });

  describe('list', () => {
    it('should list by id with the envelope, and refuse bad paging with 422', async () => {
      const created = [await createCustomer(t.http), await createCustomer(t.http)];
      const all = await api().get('/api/v1/customers?limit=100').expect(200);
      expect(all.body).toMatchObject({
        limit: 100,
        offset: 0,
        total: await customerCount(),
        next_cursor: null,
      });
      const ids = all.body.items.map((customer: CustomerBody) => customer.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(all.body.items).toEqual(expect.arrayContaining(created));
      for (const query of [
        'limit=0',
        'limit=101',
        'limit=x',
        'offset=-1',
        'include_total=maybe',
        'cursor=***',
        'cursor=abc&offset=2',
        'sort=name',
      ]) {
        const response = await api().get(`/api/v1/customers?${query}`).expect(422);
        expect(response.body.code).toBe('validation_failed');
      }
    });

    it('should answer the exact total beside a page past the end, from one statement', async () => {
      const total = await customerCount();
      const dataSource = t.app.get(DataSource);
      const statements: string[] = [];
      await api().get('/api/v1/customers?limit=1').expect(200); // learns the catalog version
      dataSource.subscribers.push(requestStatementsInto(statements));
      try {
        const past = await api()
          .get(`/api/v1/customers?offset=${total + 5}`)
          .expect(200);
        expect(past.body).toMatchObject({ items: [], total, offset: total + 5 });
        expect(statements).toHaveLength(1);
        statements.length = 0;
        const page = await api().get('/api/v1/customers?limit=2').expect(200);
        expect(page.body.items).toHaveLength(2);
        expect(page.body.total).toBe(total);
        expect(statements).toHaveLength(1);
      } finally {
        dataSource.subscribers.pop();
      }
    });

    it('should find a customer by e-mail address exactly, after normalisation', async () => {
      const email = uniqueEmail('find');
      const customer = await createCustomer(t.http, { email });
      await createCustomer(t.http, { email: `x${email}` });
      const found = await api()
        .get('/api/v1/customers')
        .query({ email: `  ${email.toUpperCase()} ` })
        .expect(200);
      expect(found.body).toMatchObject({ items: [customer], total: 1, next_cursor: null });
      const none = await api()
        .get('/api/v1/customers')
        .query({ email: `nobody-${email}` })
        .expect(200);
      expect(none.body).toMatchObject({ items: [], total: 0 });
      for (const email of ['no-at', 'a@b@c', 'x'.repeat(300)]) {
        const response = await api().get('/api/v1/customers').query({ email }).expect(422);
        expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([
          'email',
        ]);
      }
    });

    it('should page by cursor, every customer exactly once, with include_total=false', async () => {
      for (let index = 0; index < 4; index++) await createCustomer(t.http);
      const all = (await api().get('/api/v1/customers?limit=100').expect(200)).body;
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: CustomerBody[]; next_cursor: string | null; total: null } } =
          await api()
            .get(
              `/api/v1/customers?limit=3&include_total=false${cursor ? `&cursor=${cursor}` : ''}`,
            )
            .expect(200);
        expect(page.body.total).toBeNull();
        seen.push(...page.body.items.map((customer) => customer.id));
        cursor = page.body.next_cursor;
      } while (cursor !== null);
      expect(seen).toEqual(all.items.map((customer: CustomerBody) => customer.id));
      const foreign = Buffer.from(JSON.stringify(['price', '1.00', '1'])).toString('base64url');
      const refused = await api().get(`/api/v1/customers?cursor=${foreign}`).expect(422);
      expect(refused.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    });

    it('should tag lists with the catalog version: 304 while unchanged, 200 after a customer write', async () => {
      const first = await api().get('/api/v1/customers').expect(200);
      expect(first.headers.etag).toMatch(/^W\/"c\d+"$/);
      await api().get('/api/v1/customers').set('If-None-Match', first.headers.etag).expect(304);
      await createCustomer(t.http);
      const changed = await api()
        .get('/api/v1/customers')
        .set('If-None-Match', first.headers.etag)
        .expect(200);
      expect(changed.headers.etag).not.toBe(first.headers.etag);
    });
  });

  describe('update', () => {
    it('should change any subset of the fields, normalising the e-mail address', async () => {
      const customer = await createCustomer(t.http);
      const email = uniqueEmail('moved');
      const patched = await api()
        .patch(`/api/v1/customers/${customer.id}`)
        .send({ email: ` ${email.toUpperCase()} ` })
        .expect(200);
      expect(patched.body).toEqual({
        ...customer,
        email,
        updated_at: expect.any(String),
      });
      expect(Date.parse(patched.body.updated_at)).toBeGreaterThanOrEqual(
        Date.parse(customer.updated_at),
      );
      expect(patched.headers.etag).toMatch(/^"\d+"$/);
      const renamed = await api()
        .patch(`/api/v1/customers/${customer.id}`)
        .send({ name: ' New Name ' })
        .expect(200);
      expect(renamed.body).toMatchObject({ email, name: 'New Name' });
      const unchanged = await api().patch(`/api/v1/customers/${customer.id}`).send({}).expect(200);
      expect(unchanged.body).toEqual(renamed.body);
      await api()
        .get(`/api/v1/customers/${customer.id}`)
        .expect(200)
        .expect((response) => expect(response.body).toEqual(renamed.body));
    });

    it('should answer 409 for another customer’s address and 422 for bad fields, writing nothing', async () => {
      const [taken, customer] = [await createCustomer(t.http), await createCustomer(t.http)];
      const conflict = await api()
        .patch(`/api/v1/customers/${customer.id}`)
        .send({ email: taken.email.toUpperCase() })
        .expect(409);
      expect(conflict.body.code).toBe('duplicate_email');
      for (const [field, value] of [
        ['email', null],
        ['email', 'two@@example.com'],
        ['email', 'missing-at'],
        ['name', null],
        ['name', ''],
        ['name', 'x'.repeat(256)],
        ['id', 1],
        ['created_at', '2026-01-01T00:00:00.000Z'],
      ] as const) {
        const response = await api()
          .patch(`/api/v1/customers/${customer.id}`)
          .send({ [field]: value })
          .expect(422);
        expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(
          field,
        );
      }
      await api()
        .get(`/api/v1/customers/${customer.id}`)
        .expect(200)
        .expect((response) => expect(response.body).toEqual(customer));
      await api().patch('/api/v1/customers/987654321').send({ name: 'x' }).expect(404);
      await api().patch('/api/v1/customers/abc').send({ name: 'x' }).expect(422);
    });

    it('should answer one 200 and one 409 when two customers race to one address', async () => {
      const [a, b] = [await createCustomer(t.http), await createCustomer(t.http)];
      const email = uniqueEmail('contested');
      const responses = await Promise.all(
        [a, b].map((customer) => api().patch(`/api/v1/customers/${customer.id}`).send({ email })),
      );
      expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
      expect(await rowsWithEmail(email)).toBe(1);
    });

    it('should refuse a PATCH or DELETE whose If-Match is out of date with 412, writing nothing', async () => {
      const customer = await createCustomer(t.http);
      const stale = (await api().get(`/api/v1/customers/${customer.id}`)).headers.etag;
      const fresh = (
        await api()
          .patch(`/api/v1/customers/${customer.id}`)
          .set('If-Match', stale)
          .send({ name: 'First writer' })
          .expect(200)
      ).headers.etag;
      const refused = await api()
        .patch(`/api/v1/customers/${customer.id}`)
        .set('If-Match', stale)
        .send({ name: 'Lost update' })
        .expect(412);
      expect(refused.body).toMatchObject({ status: 412, code: 'precondition_failed' });
      await api()
        .patch(`/api/v1/customers/${customer.id}`)
        .set('If-Match', stale)
        .send({})
        .expect(412);
      await api().delete(`/api/v1/customers/${customer.id}`).set('If-Match', stale).expect(412);
      await api()
        .delete(`/api/v1/customers/${customer.id}`)
        .set('If-Match', `W/${fresh}`)
        .expect(412);
      const unchanged = await api().get(`/api/v1/customers/${customer.id}`).expect(200);
      expect(unchanged.body.name).toBe('First writer');
      expect(unchanged.headers.etag).toBe(fresh);

      await api()
        .patch(`/api/v1/customers/${customer.id}`)
        .set('If-Match', '*')
        .send({})
        .expect(200);
      await api().delete(`/api/v1/customers/${customer.id}`).set('If-Match', fresh).expect(204);
      await api().delete(`/api/v1/customers/${customer.id}`).set('If-Match', fresh).expect(404);
      await api()
        .patch(`/api/v1/customers/${customer.id}`)
        .set('If-Match', '*')
        .send({ name: 'Ghost' })
        .expect(404);
    });
  });

  describe('delete', () => {
    it('should delete with 204 and no body, then answer 404', async () => {
      const customer = await createCustomer(t.http);
      const deleted = await api().delete(`/api/v1/customers/${customer.id}`).expect(204);
      expect(deleted.text).toBe('');
      await api().get(`/api/v1/customers/${customer.id}`).expect(404);
      await api().delete(`/api/v1/customers/${customer.id}`).expect(404);
      await api().delete('/api/v1/customers/0').expect(422);
      // The address is free again.
      await createCustomer(t.http, { email: customer.email });
    });
  });
});
