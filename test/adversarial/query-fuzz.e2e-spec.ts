import fc from 'fast-check';
import request from 'supertest';
import type { Response } from 'supertest';
import { createCategory, createChain, createProduct } from '../factories/catalog.factory';
import { TestApp } from '../utils/test-app';
import {
  createAdversarialApp,
  errorFields,
  expectedText,
  expectSafe,
  expectStatus,
  isPathId,
  MONEY_STRING,
  RUNS,
} from './adversarial.helpers';

/** Text a client may put in a query string or a path segment. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary-ascii', maxLength: 30 }),
  fc.string({ unit: 'grapheme-composite', minLength: 250, maxLength: 260 }),
);

/** Number-like text at every border the service parses. */
const NUMERIC = [
  '0',
  '-0',
  '00',
  '1',
  '01',
  '2',
  '99',
  '100',
  '101',
  '-1',
  '+1',
  ' 1',
  '1 ',
  '1.0',
  '1.5',
  '0.01',
  '0.001',
  '1e3',
  '1E2',
  '0x10',
  '9007199254740991',
  '9007199254740992',
  '9223372036854775807',
  '9223372036854775808',
  '99999999999999999999',
  '9999999999.99',
  '10000000000',
  'NaN',
  'Infinity',
  '-Infinity',
  '١٢٣',
  '１２',
  'true',
  'false',
  'null',
  'undefined',
  '[]',
  '{}',
  '',
];
const numericText = fc.oneof(
  fc.constantFrom(...NUMERIC),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String),
  fc.double({ noNaN: true }).map(String),
);
const queryValue = fc.oneof(anyText, numericText);

/** How a parameter appears in the query string; only `single` carries one plain value. */
type Shape = 'single' | 'repeated' | 'array' | 'object' | 'bare';
const shape = fc.constantFrom<Shape>(
  'single',
  'single',
  'single',
  'repeated',
  'array',
  'object',
  'bare',
);

function encodeParameter(name: string, value: string, form: Shape, other: string): string {
  const key = encodeURIComponent(name);
  const encoded = encodeURIComponent(value);
  switch (form) {
    case 'single':
      return `${key}=${encoded}`;
    case 'repeated':
      return `${key}=${encoded}&${key}=${encodeURIComponent(other)}`;
    case 'array':
      return `${key}[]=${encoded}`;
    case 'object':
      return `${key}[x]=${encoded}`;
    case 'bare':
      return key;
  }
}

/** What the contract makes of one parameter alone: the statuses allowed for this value. */
type QueryOracle = (value: string, response: Response) => number[];

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const canonicalInteger = (value: string, min: bigint, max: bigint) =>
  /^(0|[1-9]\d*)$/.test(value) && BigInt(value) >= min && BigInt(value) <= max;
const integerLike = (value: string) => /^-?\d+$/.test(value);

/** An integer parameter: canonical in range is valid, text that is no integer at all is a 422. */
const integer =
  (name: string, min: bigint, max: bigint, valid: number[], echo = false): QueryOracle =>
  (value, response) => {
    if (canonicalInteger(value, min, max)) {
      if (echo && response.status === 200) expect(response.body[name]).toBe(Number(value));
      return valid;
    }
    if (!integerLike(value)) return [422];
    return [...valid, 422];
  };

/** Every product of the suite, by id: their prices never change, so price filters have exact answers. */
const catalog: Array<{ id: number; price: string }> = [];

/** A price filter answers exactly the products priced within it, by id (the default sort). */
const priceFilter =
  (within: (price: number, border: number) => boolean): QueryOracle =>
  (value, response) => {
    if (!MONEY_STRING.test(value)) return [422];
    if (response.status === 200) {
      const expected = catalog.filter((product) => within(Number(product.price), Number(value)));
      expect({ value, ids: response.body.items.map((item: { id: number }) => item.id) }).toEqual({
        value,
        ids: expected.map((product) => product.id),
      });
    }
    return [200];
  };

const SEARCH: Record<string, QueryOracle> = {
  q: (value) => (expectedText(value, 1, 255) === undefined ? [422] : [200]),
  min_price: priceFilter((price, border) => price >= border),
  max_price: priceFilter((price, border) => price <= border),
  category_id: integer('category_id', 1n, MAX_SAFE, [200, 404]),
  limit: integer('limit', 1n, 100n, [200], true),
  offset: integer('offset', 0n, MAX_SAFE, [200], true),
  sort: (value) =>
    ['id', 'price', '-price', 'title', '-created_at'].includes(value) ? [200] : [422],
  fuzzy: (value) => (['true', 'false'].includes(value) ? [200] : [422]),
  cursor: () => [200, 422],
  include_total: () => [200, 422],
};

const PRODUCTS: Record<string, QueryOracle> = {
  limit: SEARCH.limit,
  offset: SEARCH.offset,
  ids: (value) => {
    const ids = [...new Set(value.split(','))];
    return ids.length <= 100 && ids.every(isPathId) ? [200] : [422];
  },
  cursor: () => [200, 422],
  include_total: () => [200, 422],
};

const CATEGORIES: Record<string, QueryOracle> = {
  parent_id: integer('parent_id', 1n, MAX_SAFE, [200, 404]),
  limit: SEARCH.limit,
  offset: SEARCH.offset,
};

const TREE: Record<string, QueryOracle> = {
  depth: integer('depth', 0n, 100n, [200]),
};

describe('Adversarial query strings, path ids and headers (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);
  let categoryId: number;
  let productId: number;

  beforeAll(async () => {
    t = await createAdversarialApp();
    const chain = await createChain(t.http, 4);
    categoryId = chain[0].id;
    for (const [index, category] of chain.entries())
      catalog.push(
        await createProduct(t.http, { category_id: category.id, price: `${index * 7}.25` }),
      );
    productId = catalog[catalog.length - 1].id;
    catalog.push(await createProduct(t.http, { title: 'Uncategorised' }));
  });
  afterAll(() => t.close());

  const endpoints: Array<[string, () => string, Record<string, QueryOracle>]> = [
    ['GET /api/v1/products/search', () => '/api/v1/products/search', SEARCH],
    ['GET /api/v1/products', () => '/api/v1/products', PRODUCTS],
    ['GET /api/v1/categories', () => '/api/v1/categories', CATEGORIES],
    ['GET /api/v1/categories/{id}/tree', () => `/api/v1/categories/${categoryId}/tree`, TREE],
  ];

  describe.each(endpoints)('%s', (_name, path, parameters) => {
    it.each(Object.keys(parameters))(
      'should answer arbitrary values of %s with 200, 404 or a 422 naming it, never 5xx',
      async (parameter) => {
        await fc.assert(
          fc.asyncProperty(queryValue, shape, queryValue, async (value, form, other) => {
            const url = `${path()}?${encodeParameter(parameter, value, form, other)}`;
            const response = await api().get(url);
            const what = `GET ${url}`;
            expectSafe(response, what);
            const allowed = form === 'single' ? parameters[parameter](value, response) : null;
            if (allowed) expectStatus(response, allowed, what);
            else expectStatus(response, [200, 404, 422], what);
            if (
              response.status === 422 &&
              form === 'single' &&
              !errorFields(response).includes(parameter)
            )
              throw new Error(
                `${what}\n  -> a 422 that does not name ${parameter}: ${response.text}`,
              );
          }),
          RUNS,
        );
      },
    );

    it.each(Object.keys(parameters))(
      'should answer every numeric border in %s as the contract says',
      async (parameter) => {
        for (const value of NUMERIC) {
          const url = `${path()}?${encodeParameter(parameter, value, 'single', '')}`;
          const response = await api().get(url);
          expectStatus(response, parameters[parameter](value, response), `GET ${url}`);
        }
      },
    );

    it('should answer any mix of known and unknown parameters with 200, 404 or 422, never 5xx', async () => {
      const names = fc.oneof(
        fc.constantFrom(...Object.keys(parameters)),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
      );
      const parts = fc.array(fc.tuple(names, queryValue, shape, queryValue), { maxLength: 6 });
      await fc.assert(
        fc.asyncProperty(parts, async (list) => {
          const query = list.map(([name, value, form, other]) =>
            encodeParameter(name, value, form, other),
          );
          const url = `${path()}?${query.join('&')}`;
          const response = await api().get(url);
          expectStatus(response, [200, 404, 422], `GET ${url}`);
          if (response.status === 200 && response.body.items) {
            expect(response.body.items.length).toBeLessThanOrEqual(response.body.limit);
          }
        }),
        RUNS,
      );
    });

    it.each([
      '%',
      '%Z',
      '%ZZ',
      '%C0%80',
      '%ED%A0%80',
      '%FF%FE',
      '%00',
      '%0D%0A',
      '%E2%80%A8',
      '+++',
      '%2B1',
      '&&&',
      '===',
    ])(
      'should answer the raw value %s in every parameter with a 4xx or 2xx, never 5xx',
      async (raw) => {
        for (const parameter of Object.keys(parameters)) {
          const url = `${path()}?${parameter}=${raw}`;
          expectStatus(await api().get(url), [200, 400, 404, 422], `GET ${url}`);
        }
      },
    );
  });

  describe('parameter names and ids', () => {
    // class-transformer skips keys named after Object.prototype members, so the validation pipe
    // refuses them itself: otherwise ?toString=1 would pass as no parameter at all.
    it.each([
      ['/api/v1/products/search?toString=1', 'toString'],
      ['/api/v1/products?valueOf=1', 'valueOf'],
      ['/api/v1/categories?constructor=x', 'constructor'],
      ['/api/v1/products/search?q=lamp&__proto__=1', '__proto__'],
    ])(
      'should refuse the unknown query parameter in %s with a 422 naming it',
      async (path, name) => {
        const response = expectStatus(await api().get(path), [422], `GET ${path}`);
        expect(errorFields(response)).toEqual([name]);
      },
    );

    // A query id that a double cannot hold exactly stays text and fails validation: it is never
    // rounded to a neighbouring id (9007199254740993 to ...992) and looked up as that one.
    it.each([
      ['/api/v1/products/search?category_id=9007199254740993', 'category_id'],
      ['/api/v1/categories?parent_id=9999999999999999', 'parent_id'],
    ])('should refuse the id in %s with a 422 naming it, never round it', async (path, name) => {
      const response = expectStatus(await api().get(path), [422], `GET ${path}`);
      expect([...new Set(errorFields(response))]).toEqual([name]);
    });
  });

  describe('path ids', () => {
    const id = queryValue.filter((value) => value !== '' && value !== '.' && value !== '..');
    const safeToWrite = (value: string) => !isPathId(value) || BigInt(value) > 10n ** 12n;

    const routes: Array<
      [string, (id: string) => string, () => Record<string, unknown> | undefined]
    > = [
      ['GET', (value) => `/api/v1/products/${value}`, () => undefined],
      ['GET', (value) => `/api/v1/categories/${value}`, () => undefined],
      ['GET', (value) => `/api/v1/categories/${value}/ancestors`, () => undefined],
      ['GET', (value) => `/api/v1/categories/${value}/tree`, () => undefined],
      ['PATCH', (value) => `/api/v1/products/${value}`, () => ({ title: 'Patched by fuzz' })],
      ['PATCH', (value) => `/api/v1/categories/${value}`, () => ({ parent_id: null })],
      ['DELETE', (value) => `/api/v1/products/${value}`, () => undefined],
      ['DELETE', (value) => `/api/v1/categories/${value}`, () => undefined],
    ];

    it.each(
      routes.map(
        ([method, route, body]) => [`${method} ${route('{id}')}`, method, route, body] as const,
      ),
    )(
      'should answer %s with 2xx or 404 for a well-formed id and 422 for anything else',
      async (_name, method, route, body) => {
        await fc.assert(
          fc.asyncProperty(id, async (value) => {
            if (method !== 'GET' && !safeToWrite(value)) return;
            const url = route(encodeURIComponent(value));
            const call =
              api()[method === 'GET' ? 'get' : method === 'PATCH' ? 'patch' : 'delete'](url);
            const response = await (body() ? call.send(body()) : call);
            const what = `${method} ${url}`;
            if (isPathId(value)) expectStatus(response, [200, 204, 404], what);
            else {
              expectStatus(response, [422], what);
              expect(errorFields(response)).toContain('id');
            }
          }),
          RUNS,
        );
      },
    );

    it.each([
      ['1', 200],
      ['9223372036854775807', 404],
      ['9223372036854775808', 422],
      ['0', 422],
      ['-1', 422],
      ['01', 422],
      ['1.0', 422],
      ['1e3', 422],
      ['%201', 422],
      ['1%00', 422],
      ['１', 422],
      ['%ZZ', 422],
      ['%E0%A4%A', 422],
      ['%C0%80', 422],
    ] as const)('should answer GET /api/v1/categories/%s with %s', async (raw, status) => {
      const category = await createCategory(t.http);
      const path = `/api/v1/categories/${raw === '1' ? category.id : raw}`;
      expectStatus(await api().get(path), [status], `GET ${path}`);
    });
  });

  describe('headers', () => {
    const headerValue = fc.oneof(
      fc.string({
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
        maxLength: 300,
      }),
      fc.string({
        unit: fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
        maxLength: 20,
      }),
      fc.constantFrom(
        '*',
        '"x"',
        'W/"x"',
        '"*"',
        ', ,',
        '"' + 'x'.repeat(1000) + '"',
        '{"level":60}',
      ),
    );

    // Node's HTTP parser refuses a request line and headers over 16 KiB before the app sees them;
    // the client-error handler answers that with a problem document too.
    it('should answer a query string over 16 KiB with a 431 problem', async () => {
      const path = `/api/v1/products/search?q=${'a'.repeat(100_000)}`;
      const response = expectStatus(await api().get(path), [431], 'GET a 100,000-character q');
      expect(response.body.code).toBe('headers_too_large');
    });

    it('should answer arbitrary If-None-Match, If-Match, Idempotency-Key and X-Request-Id without a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('If-None-Match', 'If-Match', 'Idempotency-Key', 'X-Request-Id'),
          headerValue,
          fc.constantFrom('get', 'patch', 'post'),
          async (header, value, method) => {
            const response =
              method === 'get'
                ? await api().get(`/api/v1/products/${productId}`).set(header, value)
                : method === 'patch'
                  ? await api()
                      .patch(`/api/v1/products/${productId}`)
                      .set(header, value)
                      .send({ description: value.slice(0, 50) })
                  : await api()
                      .post('/api/v1/categories')
                      .set(header, value)
                      .send({ name: `Header ${value}`.slice(0, 200) });
            const what = `${method.toUpperCase()} with ${header}: ${JSON.stringify(value)}`;
            expectStatus(response, [200, 201, 304, 400, 409, 412, 422, 428], what);
            const id = String(response.headers['x-request-id']);
            expect(id).toMatch(/^[\x21-\x7e]{1,128}$/);
            if (header === 'X-Request-Id' && /^[\x21-\x7e]{1,128}$/.test(value))
              expect(id).toBe(value);
          },
        ),
        { numRuns: 50 },
      );
    });
  });
});
