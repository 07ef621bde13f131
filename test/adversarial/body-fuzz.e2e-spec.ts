import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCategory, createProduct, uniqueName, uniqueSku } from '../factories/catalog.factory';
import { TestApp } from '../utils/test-app';
import {
  createAdversarialApp,
  describeRequest,
  errorFields,
  exactMoney,
  expectedSku,
  expectedText,
  expectProblem,
  expectStatus,
  MONEY_STRING,
  rawObject,
  RUNS,
  sendRaw,
} from './adversarial.helpers';

/** White space the contract trims, and some it does not (NBSP is trimmed by String.trim too). */
const padding = fc.constantFrom('', '', ' ', '\t', '\n', '\u00a0', '\u2028', '\u3000', '\ufeff');

/** Runs of one character right at the limits: 255 code points is valid, 256 is not. */
const atLimits = fc
  .tuple(
    fc.constantFrom('a', 'é', 'e\u0301', '😀', '𝔸', '👨‍👩‍👧'),
    fc.constantFrom(1, 254, 255, 256, 10000, 10001),
  )
  .map(([character, count]) => character.repeat(count));

/** Any text: every code point, every grapheme, Latin-1 with controls, runs at the limits, padded. */
const unicodeText = fc
  .tuple(
    padding,
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: 'binary-ascii', maxLength: 40 }),
      fc.string({ unit: 'grapheme-composite', minLength: 250, maxLength: 260 }),
      atLimits,
    ),
    padding,
  )
  .map(([before, text, after]) => `${before}${text}${after}`);

/** Values of the wrong JSON type for any field (a string is right for some fields, wrong for others). */
const wrongType = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

/** JSON number texts at the borders of doubles, bigint, safe integers and money. */
const BOUNDARY_NUMBERS = [
  '0',
  '-0',
  '0.0',
  '-0.0',
  '0e0',
  '1',
  '-1',
  '1.5',
  '0.01',
  '0.001',
  '0.10',
  '0.100',
  '12.30',
  '1E2',
  '1e-2',
  '1e308',
  '-1e308',
  '1e309',
  '-1e309',
  '5e-324',
  '2.2250738585072014e-308',
  '9007199254740991',
  '9007199254740992',
  '9223372036854775807',
  '9223372036854775808',
  '9999999999.99',
  '9999999999.994',
  '10000000000',
  '10000000000.00',
  '123456789012345678901234567890',
  '0.30000000000000004',
];

/** JSON number texts with at most 15 significant digits, so that a double holds them exactly. */
const numberText = fc.oneof(
  fc.constantFrom(...BOUNDARY_NUMBERS),
  fc
    .tuple(
      fc.boolean(),
      fc.bigInt({ min: 0n, max: 999_999_999_999n }),
      fc.integer({ min: 0, max: 4 }),
      fc.option(fc.integer({ min: -12, max: 12 }), { nil: undefined }),
    )
    .map(([negative, mantissa, places, exponent]) => {
      const digits = mantissa.toString().padStart(places + 1, '0');
      const decimal =
        places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
      return `${negative ? '-' : ''}${decimal}${exponent === undefined ? '' : `e${exponent}`}`;
    }),
);

type Verdict =
  | { kind: 'accepted'; stored: unknown }
  | { kind: 'refused' }
  | { kind: 'either'; accepted?: (stored: unknown) => boolean };

/** What the contract makes of `text` (a JSON value text) in `field`. */
type Oracle = (text: string) => Verdict;

const refusedUnless = (stored: unknown): Verdict =>
  stored === undefined ? { kind: 'refused' } : { kind: 'accepted', stored };

const isPositiveSafeInteger = (value: unknown) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;

const reference: Oracle = (text) => {
  const value: unknown = JSON.parse(text);
  if (value === null) return { kind: 'accepted', stored: null };
  if (isPositiveSafeInteger(value)) return { kind: 'either', accepted: (id) => id === value };
  return { kind: 'refused' };
};

const PRODUCT_FIELDS: Record<string, Oracle> = {
  title: (text) => refusedUnless(expectedText(JSON.parse(text), 1, 255)),
  description: (text) =>
    refusedUnless(expectedText(JSON.parse(text), 0, 10000, { allowLineBreaks: true })),
  sku: (text) => refusedUnless(expectedSku(JSON.parse(text))),
  price: (text) => {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string')
      return refusedUnless(MONEY_STRING.test(value) ? exactMoney(value) : undefined);
    if (typeof value === 'number') return refusedUnless(exactMoney(text.trim()));
    return { kind: 'refused' };
  },
  image_url: (text) => {
    const value: unknown = JSON.parse(text);
    if (value === null) return { kind: 'accepted', stored: null };
    if (typeof value !== 'string') return { kind: 'refused' };
    return {
      kind: 'either',
      accepted: (stored) =>
        stored === value.trim() &&
        /^https?:\/\/[^\s]+\.(jpe?g|png|webp)(\?\S*)?$/i.test(value.trim()),
    };
  },
  category_id: reference,
};

const CATEGORY_FIELDS: Record<string, Oracle> = {
  name: (text) => refusedUnless(expectedText(JSON.parse(text), 1, 255)),
  parent_id: reference,
};

describe('Adversarial request bodies (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);
  /** Every SKU stored so far, to tell a rightful 409 from a wrong one. */
  const skus = new Set<string>();
  /** Every category name stored so far (a sibling clash needs one of them). */
  const names = new Set<string>();

  beforeAll(async () => {
    t = await createAdversarialApp();
    await createCategory(t.http, uniqueName('Fuzz parent'));
  });
  afterAll(() => t.close());

  /** A valid body for `resource`, with `field` replaced by the raw JSON text `valueText`. */
  function bodyWith(resource: 'products' | 'categories', field: string, valueText: string): string {
    const valid: Array<[string, string]> =
      resource === 'products'
        ? [
            ['title', JSON.stringify('Fuzzed product')],
            ['sku', JSON.stringify(uniqueSku('FUZZ'))],
            ['price', JSON.stringify('1.00')],
          ]
        : [['name', JSON.stringify(uniqueName('Fuzzed'))]];
    return rawObject([...valid.filter(([key]) => key !== field), [field, valueText]]);
  }

  /** Applies the oracle to one write and checks the stored resource reads back the same. */
  async function checkWrite(
    resource: 'products' | 'categories',
    method: 'post' | 'patch',
    path: string,
    body: string,
    field: string,
    verdict: Verdict,
  ): Promise<void> {
    const what = describeRequest(method.toUpperCase(), path, body);
    const response = await sendRaw(t.http, method, path, body);
    const success = method === 'post' ? 201 : 200;
    const conflictPossible =
      (field === 'sku' &&
        response.status === 409 &&
        skus.has(String(JSON.parse(body)[field]).trim().toUpperCase())) ||
      (field === 'name' &&
        response.status === 409 &&
        names.has(JSON.parse(body).name.trim().normalize('NFC'))) ||
      // Moving the target under a category may clash with a sibling of the same name.
      (field === 'parent_id' && method === 'patch' && response.status === 409);
    if (conflictPossible) {
      expectProblem(response, what);
      return;
    }
    const allowed =
      verdict.kind === 'accepted' ? [success] : verdict.kind === 'refused' ? [422] : [success, 422];
    expectStatus(response, allowed, what);
    if (response.status === 422) {
      if (!errorFields(response).includes(field))
        throw new Error(`${what}\n  -> 422 does not name ${field}: ${response.text}`);
      return;
    }
    const stored: unknown = response.body[field];
    if (verdict.kind === 'accepted' && stored !== verdict.stored)
      throw new Error(
        `${what}\n  -> stored ${JSON.stringify(stored)}, expected ${JSON.stringify(verdict.stored)}`,
      );
    if (verdict.kind === 'either' && verdict.accepted && !verdict.accepted(stored))
      throw new Error(`${what}\n  -> accepted and stored ${JSON.stringify(stored)}`);
    if (resource === 'products') skus.add(response.body.sku);
    if (resource === 'categories') names.add(response.body.name);
    const location = method === 'post' ? response.headers.location : path;
    const read = expectStatus(await api().get(location), [200], `GET ${location}`);
    expect(read.body).toEqual(response.body);
  }

  const FIELD_RUNS = { numRuns: 60 } as const;

  /** Every kind of value, as a raw JSON text: Unicode strings, wrong types, border numbers. */
  const anyValue = fc.oneof(
    unicodeText.map((text) => JSON.stringify(text)),
    wrongType.map((value) => JSON.stringify(value)),
    numberText,
  );

  describe.each([
    ['products', PRODUCT_FIELDS],
    ['categories', CATEGORY_FIELDS],
  ] as const)('/api/v1/%s', (resource, fields) => {
    let targetId: number;
    beforeAll(async () => {
      targetId =
        resource === 'products'
          ? (await createProduct(t.http)).id
          : (await createCategory(t.http, uniqueName('Fuzz target'))).id;
    });

    describe.each(Object.keys(fields))('%s', (field) => {
      it('should answer POST with 201 or a 422 naming it, never 5xx, for any Unicode, type or number', async () => {
        await fc.assert(
          fc.asyncProperty(anyValue, async (valueText) => {
            const verdict = fields[field](valueText);
            await checkWrite(
              resource,
              'post',
              `/api/v1/${resource}`,
              bodyWith(resource, field, valueText),
              field,
              verdict,
            );
          }),
          FIELD_RUNS,
        );
      });

      it('should answer PATCH with 200 or a 422 naming it, never 5xx, for any Unicode, type or number', async () => {
        await fc.assert(
          fc.asyncProperty(anyValue, async (valueText) => {
            let verdict = fields[field](valueText);
            // A category moved under itself is a 422 (cycle), whatever else the oracle says.
            if (field === 'parent_id' && JSON.parse(valueText) === targetId)
              verdict = { kind: 'refused' };
            await checkWrite(
              resource,
              'patch',
              `/api/v1/${resource}/${targetId}`,
              rawObject([[field, valueText]]),
              field,
              verdict,
            );
          }),
          FIELD_RUNS,
        );
      });

      if (['title', 'description', 'sku', 'name'].includes(field))
        it('should apply the limits at exactly the border, counting code points, on POST and PATCH', async () => {
          const borders = ['é', '😀', '👨‍👩‍👧']
            .flatMap((character) =>
              [0, 1, 100, 101, 254, 255, 256, 10000, 10001].map((n) => character.repeat(n)),
            )
            .flatMap((text) => [text, ` ${text}\u00a0`]);
          for (const text of borders) {
            const valueText = JSON.stringify(text);
            const verdict = fields[field](valueText);
            const post = bodyWith(resource, field, valueText);
            await checkWrite(resource, 'post', `/api/v1/${resource}`, post, field, verdict);
            const patch = rawObject([[field, valueText]]);
            if (field !== 'parent_id')
              await checkWrite(
                resource,
                'patch',
                `/api/v1/${resource}/${targetId}`,
                patch,
                field,
                verdict,
              );
          }
        });
    });

    it('should refuse any body with an unknown field with a 422, never 5xx', async () => {
      const known = Object.keys(fields);
      const body = fc.dictionary(
        fc.oneof(fc.constantFrom(...known), fc.string({ unit: 'grapheme', maxLength: 12 })),
        fc.jsonValue({ maxDepth: 3 }),
        { maxKeys: 8, noNullPrototype: true },
      );
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom('post', 'patch'), async (value, method) => {
          const path =
            method === 'post' ? `/api/v1/${resource}` : `/api/v1/${resource}/${targetId}`;
          const text = JSON.stringify(value);
          const response = await sendRaw(t.http, method, path, text);
          const what = describeRequest(method.toUpperCase(), path, text);
          const unknown = Object.keys(value).filter((key) => !known.includes(key));
          expectStatus(response, unknown.length > 0 ? [422] : [200, 201, 409, 422], what);
          if (response.status >= 200 && response.status < 300) {
            skus.add(response.body.sku);
            if (typeof response.body.name === 'string') names.add(response.body.name);
          }
        }),
        RUNS,
      );
    });
  });

  describe('keys named after prototype members', () => {
    const KEYS = ['toString', 'valueOf', 'constructor', '__proto__', 'hasOwnProperty'];

    /** The key as a JSON string literal, plain and with its first letter escaped, then 0, 60 or 1000 spaces. */
    const spellings = (key: string): string[] =>
      [
        `"${key}"`,
        `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${key.slice(1)}"`,
      ].flatMap((literal) =>
        ['', ' '.repeat(60), ' '.repeat(1000)].map((space) => literal + space),
      );

    /** Where the key goes in an otherwise valid product, and the top-level field to be named. */
    const PLACES: Array<[(literal: string) => string, (key: string) => string]> = [
      [(literal) => `${literal}:""`, (key) => key],
      [(literal) => `"description":{"a":{${literal}:1}}`, () => 'description'],
      [(literal) => `"description":[{"a":1},{${literal}:1}]`, () => 'description'],
    ];

    const productTotal = async () =>
      (await api().get('/api/v1/products?limit=1').expect(200)).body.total as number;

    it.each(KEYS)(
      'should refuse %s however it is spelled, at any depth, with a 422 naming the field, creating nothing',
      async (key) => {
        const before = await productTotal();
        for (const literal of spellings(key))
          for (const [place, fieldOf] of PLACES) {
            const body = `{"title":"Proto","sku":"${uniqueSku('PROTO')}","price":"1.00",${place(literal)}}`;
            const what = describeRequest('POST', '/api/v1/products', body);
            const response = await sendRaw(t.http, 'post', '/api/v1/products', body);
            expectStatus(response, [422], what);
            expect({ what, errors: response.body.errors }).toEqual({
              what,
              errors: [{ field: fieldOf(key), message: expect.stringContaining(key) }],
            });
          }
        expect(await productTotal()).toBe(before);
      },
    );

    it('should refuse them on every route, changing nothing', async () => {
      const product = await createProduct(t.http);
      const category = await createCategory(t.http, uniqueName('Proto'));
      const spaced = (key: string) => `"${key}"${' '.repeat(60)}`;
      const patch = await sendRaw(
        t.http,
        'patch',
        `/api/v1/categories/${category.id}`,
        `{"name":"Renamed",${spaced('valueOf')}:1}`,
      );
      expectStatus(patch, [422], 'PATCH a category with valueOf');
      expect(errorFields(patch)).toEqual(['valueOf']);
      const remove = await api()
        .delete(`/api/v1/products/${product.id}`)
        .set('Content-Type', 'application/json')
        .send(`{${spaced('__proto__')}:{}}`);
      expectStatus(remove, [422], 'DELETE a product with a __proto__ body');
      await api().get(`/api/v1/categories/${category.id}`).expect(200, category);
      await api().get(`/api/v1/products/${product.id}`).expect(200, product);
    });
  });

  describe('nested and huge JSON', () => {
    const nested = (depth: number, kind: 'array' | 'object') =>
      kind === 'array'
        ? `${'['.repeat(depth)}${']'.repeat(depth)}`
        : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

    it.each([
      ['products', 'title'],
      ['products', 'description'],
      ['products', 'sku'],
      ['products', 'price'],
      ['products', 'image_url'],
      ['products', 'category_id'],
      ['categories', 'name'],
      ['categories', 'parent_id'],
    ] as const)(
      'should refuse JSON nested 1,000 deep in %s.%s with a 422 on POST and PATCH',
      async (resource, field) => {
        for (const kind of ['array', 'object'] as const) {
          const value = nested(1000, kind);
          const post = await sendRaw(
            t.http,
            'post',
            `/api/v1/${resource}`,
            bodyWith(resource, field, value),
          );
          expectStatus(post, [422], `POST /api/v1/${resource} with ${field} nested 1000 deep`);
          expect(errorFields(post)).toContain(field);
          const target =
            resource === 'products'
              ? (await createProduct(t.http)).id
              : (await createCategory(t.http, uniqueName('Nest target'))).id;
          const patch = await sendRaw(
            t.http,
            'patch',
            `/api/v1/${resource}/${target}`,
            rawObject([[field, value]]),
          );
          expectStatus(patch, [422], `PATCH /api/v1/${resource} with ${field} nested 1000 deep`);
        }
      },
    );

    it.each(['array', 'object'] as const)(
      'should answer a whole body of 1,000 nested %ss with a 422 problem',
      async (kind) => {
        for (const path of ['/api/v1/products', '/api/v1/categories']) {
          const response = await sendRaw(t.http, 'post', path, nested(1000, kind));
          expectStatus(response, [422], `POST ${path} with a body nested 1000 deep`);
        }
      },
    );

    // The JSON body guard refuses nesting past 32 levels before the body is parsed, so bodies deep
    // enough to exhaust the validator's stack answer the same 422 (or 413, past 1 MiB), never 500.
    it.each([
      ['a field', (depth: number) => `{"name":${nested(depth, 'array')}}`, 'name'],
      ['a field of objects', (depth: number) => `{"name":${nested(depth, 'object')}}`, 'name'],
      ['the whole body', (depth: number) => nested(depth, 'array'), 'body'],
    ] as const)(
      'should refuse JSON nested 10,000 to 500,000 deep in %s with a 422, or a 413 past 1 MiB',
      async (_where, body, field) => {
        for (const depth of [10_000, 100_000, 500_000]) {
          const text = body(depth);
          const tooLarge = Buffer.byteLength(text) > 1024 * 1024;
          for (const path of ['/api/v1/categories', '/api/v1/products']) {
            const what = `POST ${path} nested ${depth} deep`;
            const response = await sendRaw(t.http, 'post', path, text);
            expectStatus(response, [tooLarge ? 413 : 422], what);
            if (!tooLarge)
              expect({ what, fields: errorFields(response) }).toEqual({ what, fields: [field] });
          }
        }
      },
    );

    /** A valid product body padded with JSON white space to exactly `bytes` bytes. */
    const paddedProduct = (bytes: number) => {
      const body = JSON.stringify({ title: 'Padded', sku: uniqueSku('PAD'), price: '2.50' });
      return `${body.slice(0, -1)}${' '.repeat(bytes - Buffer.byteLength(body))}}`;
    };

    it('should accept a valid body of exactly 1 MiB and answer 413 problem for one byte more', async () => {
      const exact = paddedProduct(1024 * 1024);
      expect(Buffer.byteLength(exact)).toBe(1024 * 1024);
      expectStatus(await sendRaw(t.http, 'post', '/api/v1/products', exact), [201], 'POST 1 MiB');

      for (const [method, path] of [
        ['post', '/api/v1/products'],
        ['post', '/api/v1/categories'],
        ['patch', `/api/v1/products/${(await createProduct(t.http)).id}`],
        ['patch', `/api/v1/categories/${(await createCategory(t.http)).id}`],
      ] as const) {
        const over = paddedProduct(1024 * 1024 + 1);
        const response = await sendRaw(t.http, method, path, over);
        expectStatus(response, [413], `${method.toUpperCase()} ${path} with 1 MiB + 1 byte`);
      }
    });

    it('should answer 413 problem for a body of 5 MiB and for one field of 2 MiB', async () => {
      const big = `{"title":"${'x'.repeat(5 * 1024 * 1024)}","sku":"BIG","price":"1.00"}`;
      expectStatus(await sendRaw(t.http, 'post', '/api/v1/products', big), [413], 'POST 5 MiB');
      const field = `{"name":"${'é'.repeat(1024 * 1024)}"}`;
      expectStatus(await sendRaw(t.http, 'post', '/api/v1/categories', field), [413], 'POST 2 MiB');
    });

    it('should refuse fields just under 1 MiB in total with a 422 naming them', async () => {
      const description = '😀'.repeat(250_000); // 1,000,000 bytes of UTF-8, 250,000 characters
      const response = await sendRaw(
        t.http,
        'post',
        '/api/v1/products',
        JSON.stringify({ title: 'Long', sku: uniqueSku(), price: '1.00', description }),
      );
      expectStatus(response, [422], 'POST a description of 250,000 emoji');
      expect(errorFields(response)).toEqual(['description']);
      const many = JSON.stringify({ name: 'Many', list: Array.from({ length: 150_000 }, () => 1) });
      expectStatus(await sendRaw(t.http, 'post', '/api/v1/categories', many), [422], 'array');
    });

    it('should refuse a body of 20,000 unknown fields with a 422, never 5xx', async () => {
      const fields = Array.from(
        { length: 20_000 },
        (_, index) => [`k${index}`, '1'] as [string, string],
      );
      const body = rawObject([['name', '"Wide"'], ...fields]);
      expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
      const started = Date.now();
      const response = await sendRaw(t.http, 'post', '/api/v1/categories', body);
      expectStatus(response, [422], 'POST 20,000 unknown fields');
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  // The JSON body guard refuses a number that a double cannot hold exactly, before the body is
  // parsed: a price is never rounded to two digits, an id never read as a neighbouring one.
  describe('numbers a double cannot hold exactly', () => {
    it.each([
      '1.0000000000000000000001',
      '0.1000000000000000055511151231257827',
      '12.340000000000000001',
      '9999999999.990000000001',
    ])(
      'should refuse the JSON number price %s with a 422 naming it rather than round it',
      async (price) => {
        const body = `{"title":"Precise","sku":"${uniqueSku()}","price":${price}}`;
        const response = await sendRaw(t.http, 'post', '/api/v1/products', body);
        expectStatus(response, [422], describeRequest('POST', '/api/v1/products', body));
        expect(errorFields(response)).toEqual(['price']);
      },
    );

    it('should refuse a parent_id or category_id of 1.0000000000000001 rather than read it as 1', async () => {
      const category = await createCategory(t.http);
      const child = await sendRaw(
        t.http,
        'post',
        '/api/v1/categories',
        `{"name":"Imprecise","parent_id":${category.id}.0000000000000001}`,
      );
      expectStatus(child, [422], 'POST a category with parent_id 1.0000000000000001');
      expect(errorFields(child)).toEqual(['parent_id']);
      const product = await sendRaw(
        t.http,
        'post',
        '/api/v1/products',
        `{"title":"Imprecise","sku":"${uniqueSku()}","price":"1.00","category_id":${category.id}.0000000000000001}`,
      );
      expectStatus(product, [422], 'POST a product with category_id 1.0000000000000001');
      expect(errorFields(product)).toEqual(['category_id']);
    });
  });

  describe('encodings and media types', () => {
    let base: string;
    beforeAll(async () => {
      await t.app.listen(0, '127.0.0.1');
      base = await t.app.getUrl();
    });

    const post = (body: Buffer | string, headers: Record<string, string>) =>
      fetch(`${base}/api/v1/categories`, { method: 'POST', headers, body });

    it('should answer 413 problem for a gzip body that inflates past 1 MiB, and accept a small one', async () => {
      const bomb = gzipSync(Buffer.from(`{"name":"${'a'.repeat(20 * 1024 * 1024)}"}`));
      expect(bomb.length).toBeLessThan(64 * 1024);
      const response = await post(bomb, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 413, type: expect.any(String) });

      const small = await post(gzipSync(Buffer.from(JSON.stringify({ name: uniqueName('Gz') }))), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expect(small.status).toBe(201);
    });

    it.each([
      ['a broken gzip stream', 400, { 'content-encoding': 'gzip' }, '{"name":"x"}'],
      ['an unknown content encoding', 415, { 'content-encoding': 'br-nope' }, '{"name":"x"}'],
      [
        'a Latin-1 charset',
        415,
        { 'content-type': 'application/json; charset=latin1' },
        '{"name":"x"}',
      ],
      [
        'UTF-8 bytes labelled UTF-16',
        415,
        { 'content-type': 'application/json; charset=utf-16' },
        '{"name":"x"}',
      ],
      // The body guard reads UTF-8: a real UTF-16 body with a prototype key must not slip past it.
      [
        'a UTF-16 body',
        415,
        { 'content-type': 'application/json; charset=utf-16le' },
        Buffer.from('{"name":"x","toString":""}', 'utf16le'),
      ],
      [
        'a quoted UTF-8 charset',
        201,
        { 'content-type': 'application/json; charset="UTF-8"' },
        '{"name":"Quoted"}',
      ],
      ['text/plain', 415, { 'content-type': 'text/plain' }, '{"name":"x"}'],
      ['a form body', 415, { 'content-type': 'application/x-www-form-urlencoded' }, 'name=x'],
      [
        'invalid UTF-8',
        400,
        {},
        Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
      ],
      [
        'a UTF-8 BOM',
        201,
        {},
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"Bom"}')]),
      ],
      ['JSON null', 400, {}, 'null'],
      ['a JSON string', 400, {}, '"name"'],
      ['a JSON number', 422, {}, '1e999'],
      ['truncated JSON', 400, {}, '{"name":"x"'],
      ['an empty body', 422, {}, ''],
      ['a duplicated key', 201, {}, '{"name":1,"name":"x"}'],
    ] as const)(
      'should answer %s with a %i, and any error as a problem',
      async (_label, status, headers, body) => {
        const response = await post(typeof body === 'string' ? body : Buffer.from(body), {
          'content-type': 'application/json',
          ...headers,
        });
        expect(response.status).toBe(status);
        const text = await response.text();
        if (response.status >= 400) {
          expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(JSON.parse(text)).toMatchObject({
            type: expect.any(String),
            title: expect.any(String),
            status: response.status,
            detail: expect.any(String),
            instance: '/api/v1/categories',
          });
          expect(text).not.toMatch(/node_modules|\.ts:|\bat \S+ \(|SyntaxError|Unexpected token/);
        }
      },
    );

    // Text is Unicode: a lone surrogate sent as a JSON escape is refused by the text rules, bytes
    // that are not UTF-8 by the JSON body guard; neither is stored with U+FFFD in its place.
    it('should refuse lone surrogates with a 422 and invalid UTF-8 with a 400, storing nothing', async () => {
      const lone = await sendRaw(t.http, 'post', '/api/v1/categories', '{"name":"x\\ud800y"}');
      expectStatus(lone, [422], 'POST a category name with a lone surrogate');
      expect(errorFields(lone)).toEqual(['name']);
      const sku = uniqueSku();
      const product = await sendRaw(
        t.http,
        'post',
        '/api/v1/products',
        `{"title":"ok","description":"\\udc00","sku":"${sku}","price":"1.00"}`,
      );
      expectStatus(product, [422], 'POST a product description with a lone surrogate');
      expect(errorFields(product)).toEqual(['description']);
      const invalid = await post(
        Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
        { 'content-type': 'application/json' },
      );
      expect(invalid.status).toBe(400);
      const [stored] = await t.app
        .get(DataSource)
        .query<Array<{ categories: number; products: number }>>(
          `SELECT (SELECT count(*)::int FROM category WHERE name IN ($1, $2)) AS categories,
                (SELECT count(*)::int FROM product WHERE sku = $3) AS products`,
          ['x\ufffdy', '\ufffd(', sku],
        );
      expect(stored).toEqual({ categories: 0, products: 0 });
    });
  });

  // Keys naming a member of Object.prototype are refused by the JSON body guard, escaped spellings
  // included: class-transformer would skip them, so they would pass as no field at all.
  describe('fields named after Object.prototype members', () => {
    it.each([
      ['{"toString":""}', 'toString'],
      ['{"valueOf":1}', 'valueOf'],
      ['{"to\\u0053tring":""}', 'toString'],
    ])(
      'should refuse the unknown field in %s with a 422 on create and update',
      async (body, field) => {
        const product = await createProduct(t.http);
        const update = await sendRaw(t.http, 'patch', `/api/v1/products/${product.id}`, body);
        expectStatus(update, [422], `PATCH ${body}`);
        expect(errorFields(update)).toEqual([field]);
        const create = await sendRaw(t.http, 'post', '/api/v1/categories', body);
        expectStatus(create, [422], `POST ${body}`);
        expect(errorFields(create)).toEqual([field]);
      },
    );

    it.each(['__proto__', 'constructor', 'prototype'])(
      'should refuse the unknown field %s with a 422',
      async (key) => {
        const response = await sendRaw(
          t.http,
          'post',
          '/api/v1/categories',
          `{"name":"Proto ${key}","${key}":{"x":1}}`,
        );
        expectStatus(response, [422], `POST a category with the field ${key}`);
        expect(errorFields(response)).toEqual([key]);
      },
    );
  });

  it('should not let __proto__ or constructor in a body pollute prototypes', async () => {
    const body = `{"title":"Proto","sku":"${uniqueSku('PROTO')}","price":"1.00","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}`;
    const response = await sendRaw(t.http, 'post', '/api/v1/products', body);
    // Refused by the JSON body guard at the first such key, before anything merges the body.
    expectStatus(response, [422], describeRequest('POST', '/api/v1/products', body));
    expect(errorFields(response)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
