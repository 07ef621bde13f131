import request from 'supertest';
import { createTestApp, TestApp } from '../utils/test-app';

interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<
    string,
    { content?: Record<string, { schema: { $ref?: string } }>; headers?: object }
  >;
}
type Document = {
  openapi: string;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation & { tags?: string[] }>>;
  components: {
    schemas: Record<string, { required?: string[]; properties: Record<string, unknown> }>;
  };
};

/** Every node of the document with where it is, examples left out (they are data, not schema). */
function* nodesOf(node: unknown, at = '#'): Generator<[string, Record<string, unknown>]> {
  if (node === null || typeof node !== 'object') return;
  if (!Array.isArray(node)) yield [at, node as Record<string, unknown>];
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'example' && key !== 'examples') yield* nodesOf(value, `${at}/${key}`);
  }
}

/** The node a local reference (`#/components/schemas/Product`) points at, if any. */
const resolve = (document: Document, ref: string): unknown =>
  ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === 'object'
          ? (node as Record<string, unknown>)[key]
          : undefined,
      document,
    );

/** An object schema that says nothing of its shape: what a TS `Object`, `Record` or `unknown` gives. */
const isBareObject = (schema: Record<string, unknown>): boolean =>
  (schema.type === 'object' || schema.type === undefined) &&
  Object.keys((schema.properties as object | undefined) ?? {}).length === 0 &&
  !schema.additionalProperties &&
  !['$ref', 'allOf', 'oneOf', 'anyOf', 'not', 'items', 'enum', 'format'].some(
    (key) => key in schema,
  ) &&
  (schema.type === 'object' || 'properties' in schema);

/** Every route of the contract, with the statuses it promises. */
const CONTRACT: Array<[string, string, string[]]> = [
  ['post', '/api/v1/categories', ['201', '409', '422']],
  ['get', '/api/v1/categories', ['200', '422']],
  ['get', '/api/v1/categories/{id}', ['200', '404', '422']],
  ['patch', '/api/v1/categories/{id}', ['200', '404', '409', '422']],
  ['delete', '/api/v1/categories/{id}', ['204', '404', '422']],
  ['get', '/api/v1/categories/{id}/ancestors', ['200', '404', '422']],
  ['get', '/api/v1/categories/{id}/tree', ['200', '404', '422']],
  ['post', '/api/v1/products', ['201', '409', '422']],
  ['get', '/api/v1/products', ['200', '422']],
  ['get', '/api/v1/products/{id}', ['200', '404', '422']],
  ['patch', '/api/v1/products/{id}', ['200', '404', '409', '422']],
  ['delete', '/api/v1/products/{id}', ['204', '404', '422']],
  ['get', '/api/v1/products/search', ['200', '404', '422']],
  ['get', '/api/v1/products/export', ['200', '503']],
  ['post', '/api/v1/products/import', ['200', '400', '413', '415', '422', '503']],
  ['get', '/api/v1/products/{id}/inventory', ['200', '304', '404', '422']],
  ['put', '/api/v1/products/{id}/inventory', ['200', '404', '412', '422']],
  ['post', '/api/v1/products/{id}/inventory/adjustments', ['201', '404', '409', '422']],
  ['get', '/api/v1/products/{id}/inventory/movements', ['200', '304', '404', '422']],
  ['post', '/api/v1/customers', ['201', '409', '422']],
  ['get', '/api/v1/customers', ['200', '422']],
  ['get', '/api/v1/customers/{id}', ['200', '304', '404', '422']],
  ['patch', '/api/v1/customers/{id}', ['200', '404', '409', '412', '422']],
  ['delete', '/api/v1/customers/{id}', ['204', '404', '409', '412', '422']],
  ['post', '/api/v1/products/{id}/reviews', ['201', '404', '409', '422']],
  ['get', '/api/v1/products/{id}/reviews', ['200', '304', '404', '422']],
  ['get', '/api/v1/products/{id}/rating', ['200', '304', '404', '422']],
  ['delete', '/api/v1/reviews/{id}', ['204', '404', '422']],
  ['post', '/api/v1/orders', ['201', '409', '422']],
  ['get', '/api/v1/orders', ['200', '304', '422']],
  ['get', '/api/v1/orders/{id}', ['200', '304', '404', '422']],
  ['patch', '/api/v1/orders/{id}', ['200', '404', '409', '412', '422']],
  ['get', '/api/v1/categories/{id}/report', ['200', '304', '404', '422']],
  ['get', '/api/v1/reports/categories', ['200', '304', '404', '422']],
  ['get', '/health', ['200', '503']],
  ['get', '/health/live', ['200']],
  ['get', '/metrics', ['200']],
];

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let document: Document;

  beforeAll(async () => {
    t = await createTestApp();
    document = (await request(t.http).get('/docs-json').expect(200)).body as Document;
  });
  afterAll(() => t.close());

  it.each(CONTRACT)('should document %s %s with its statuses', (method, path, statuses) => {
    const operation = document.paths[path]?.[method];
    expect(operation).toBeDefined();
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(statuses));
    for (const [status, response] of Object.entries(operation.responses)) {
      if (Number(status) >= 400 && !/^\/(health|metrics)/.test(path)) {
        expect(response.content?.['application/problem+json']?.schema.$ref).toBe(
          '#/components/schemas/ProblemDetails',
        );
      }
    }
  });

  it('should document exactly the contract routes under /api/v1', () => {
    const documented = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/v1'))
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method} ${path}`),
      );
    const promised = CONTRACT.filter(([, path]) => path.startsWith('/api/v1')).map(
      ([method, path]) => `${method} ${path}`,
    );
    expect(documented.sort()).toEqual(promised.sort());
  });

  it('should document the id path parameter as a positive integer', () => {
    const parameter = document.paths['/api/v1/products/{id}'].get.parameters?.find(
      (p) => p.name === 'id',
    );
    expect(parameter).toMatchObject({ in: 'path', schema: { type: 'integer', minimum: 1 } });
  });

  it('should document every search parameter', () => {
    const names = document.paths['/api/v1/products/search'].get.parameters?.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'q',
        'min_price',
        'max_price',
        'category_id',
        'limit',
        'offset',
        'sort',
        'fuzzy',
      ]),
    );
  });

  it('should document request bodies with their required fields and no server-set fields', () => {
    const schemas = document.components.schemas;
    expect(schemas.CreateProduct.required?.sort()).toEqual(['price', 'sku', 'title']);
    expect(Object.keys(schemas.CreateProduct.properties).sort()).toEqual([
      'category_id',
      'description',
      'image_url',
      'is_active',
      'price',
      'sku',
      'title',
    ]);
    expect(schemas.CreateCategory.required).toEqual(['name']);
    expect(schemas.UpdateProduct.required ?? []).toEqual([]);
    expect(Object.keys(schemas.Product.properties).sort()).toEqual([
      'category',
      'category_id',
      'created_at',
      'description',
      'id',
      'image_url',
      'inventory',
      'is_active',
      'price',
      'rating',
      'reviews',
      'sku',
      'title',
      'updated_at',
    ]);
    // The include fields are there only when asked for.
    expect(schemas.Product.required).not.toContain('inventory');
  });

  it('should document the inventory bodies, the ETag of its reads and writes, and Idempotency-Key', () => {
    const schemas = document.components.schemas;
    expect(schemas.SetInventory.required).toEqual(['quantity']);
    expect(Object.keys(schemas.SetInventory.properties)).toEqual(['quantity']);
    expect(schemas.CreateAdjustment.required).toEqual(['delta']);
    expect(Object.keys(schemas.CreateAdjustment.properties).sort()).toEqual(['delta', 'note']);
    expect(Object.keys(schemas.Adjustment.properties).sort()).toEqual(['inventory', 'movement']);
    expect(Object.keys(schemas.Inventory.properties).sort()).toEqual([
      'product_id',
      'quantity',
      'updated_at',
    ]);
    expect(Object.keys(schemas.Movement.properties).sort()).toEqual([
      'created_at',
      'delta',
      'id',
      'kind',
      'note',
      'order_id',
      'product_id',
      'quantity_after',
    ]);
    const inventory = document.paths['/api/v1/products/{id}/inventory'];
    expect(inventory.get.responses['200'].headers).toHaveProperty('ETag');
    expect(inventory.put.responses['200'].headers).toHaveProperty('ETag');
    expect(inventory.put.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['id', 'If-Match']),
    );
    const adjust = document.paths['/api/v1/products/{id}/inventory/adjustments'].post;
    expect(adjust.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['id', 'Idempotency-Key']),
    );
    expect(adjust.requestBody?.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/CreateAdjustment',
    );
    const movements = document.paths['/api/v1/products/{id}/inventory/movements'].get;
    expect(movements.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['id', 'limit', 'offset', 'cursor', 'include_total', 'If-None-Match']),
    );
  });

  it('should document the customer and review bodies without server-set fields', () => {
    const schemas = document.components.schemas;
    expect(schemas.CreateCustomer.required?.sort()).toEqual(['email', 'name']);
    expect(schemas.UpdateCustomer.required ?? []).toEqual([]);
    expect(schemas.CreateReview.required?.sort()).toEqual(['author', 'rating']);
    expect(Object.keys(schemas.CreateReview.properties).sort()).toEqual([
      'author',
      'body',
      'customer_id',
      'rating',
      'title',
    ]);
    expect(Object.keys(schemas.Rating.properties).sort()).toEqual([
      'average',
      'count',
      'distribution',
      'product_id',
    ]);
    expect(Object.keys(schemas.RatingDistribution.properties)).toEqual(['1', '2', '3', '4', '5']);
    const sort = document.paths['/api/v1/products/{id}/reviews'].get.parameters?.find(
      (parameter) => parameter.name === 'sort',
    );
    expect(sort?.schema).toMatchObject({ enum: ['-created_at', '-rating', 'rating'] });
  });

  it('should document the Location header of creates', () => {
    for (const path of [
      '/api/v1/products',
      '/api/v1/categories',
      '/api/v1/customers',
      '/api/v1/products/{id}/reviews',
      '/api/v1/orders',
    ]) {
      expect(document.paths[path].post.responses['201'].headers).toHaveProperty('Location');
    }
  });

  it('should document the order bodies, the 409 of a short order with its items, and Idempotency-Key', () => {
    const schemas = document.components.schemas;
    expect(schemas.CreateOrder.required).toEqual(['customer_id', 'lines']);
    expect(schemas.OrderLineInput.required).toEqual(['product_id', 'quantity']);
    expect(schemas.UpdateOrder.required).toEqual(['status']);
    expect(Object.keys(schemas.Order.properties).sort()).toEqual([
      'created_at',
      'customer_id',
      'id',
      'item_count',
      'lines',
      'status',
      'total',
      'updated_at',
    ]);
    expect(Object.keys(schemas.OrderLine.properties).sort()).toEqual([
      'line_total',
      'product_id',
      'quantity',
      'sku',
      'title',
      'unit_price',
    ]);
    const place = document.paths['/api/v1/orders'].post;
    const conflict = place.responses['409'].content?.['application/problem+json'] as {
      schema: { $ref?: string };
      example?: { code: string; items: unknown[] };
    };
    expect(Object.keys(schemas.ProblemDetails.properties)).toContain('items');
    expect(conflict.example).toMatchObject({
      code: 'insufficient_stock',
      items: [{ product_id: 2, requested: 5, available: 1 }],
    });
    expect(Object.keys(schemas.ShortItem.properties)).toEqual([
      'product_id',
      'requested',
      'available',
    ]);
    expect(place.parameters?.map((parameter) => parameter.name)).toContain('Idempotency-Key');
    const list = document.paths['/api/v1/orders'].get.parameters?.map(
      (parameter) => parameter.name,
    );
    expect(list).toEqual(
      expect.arrayContaining([
        'customer_id',
        'status',
        'limit',
        'offset',
        'cursor',
        'include_total',
      ]),
    );
  });

  it('should document the report with an example and the listing with its parameters', () => {
    const schemas = document.components.schemas;
    const figures = [
      'active_products',
      'average_price',
      'categories',
      'category_id',
      'max_price',
      'min_price',
      'name',
      'products',
      'rating_average',
      'revenue',
      'review_count',
      'stock_units',
      'stock_value',
      'units_sold',
    ];
    expect(Object.keys(schemas.CategoryReport.properties).sort()).toEqual(figures);
    const ok = document.paths['/api/v1/categories/{id}/report'].get.responses['200'].content?.[
      'application/json'
    ] as { example?: Record<string, unknown> };
    expect(Object.keys(ok.example ?? {}).sort()).toEqual(figures);
    expect(ok.example).toMatchObject({ average_price: '1187.45', rating_average: '4.33' });
    const list = document.paths['/api/v1/reports/categories'].get.parameters?.map(
      (parameter) => parameter.name,
    );
    expect(list).toEqual(
      expect.arrayContaining(['parent_id', 'limit', 'offset', 'cursor', 'include_total']),
    );
  });

  it('should name no schema with a Dto suffix', () => {
    const names = Object.keys(document.components.schemas);
    expect(names).toEqual(expect.arrayContaining(['Product', 'ProblemDetails', 'CreateProduct']));
    expect(names.filter((name) => /Dto$/.test(name))).toEqual([]);
  });

  it('should resolve every $ref of the document', () => {
    const refs = [...nodesOf(document)].flatMap(([, node]) =>
      typeof node.$ref === 'string' ? [node.$ref] : [],
    );
    expect(refs.length).toBeGreaterThan(50);
    expect(
      refs.filter((ref) => !ref.startsWith('#/') || resolve(document, ref) === undefined),
    ).toEqual([]);
  });

  it('should have no bare object schema', () => {
    expect(document.components.schemas).not.toHaveProperty('Object');
    const bare = [...nodesOf(document)]
      .filter(([at]) =>
        /\/(schema|schemas\/[^/]+|properties\/[^/]+|items|additionalProperties)$/.test(at),
      )
      .filter(([, schema]) => isBareObject(schema))
      .map(([at]) => at);
    expect(bare).toEqual([]);
  });

  it('should describe every tag an operation uses, and only those', () => {
    const used = new Set(
      Object.values(document.paths).flatMap((item) =>
        Object.values(item).flatMap((operation) => operation.tags ?? []),
      ),
    );
    expect([...used]).toEqual(
      expect.arrayContaining(['categories', 'products', 'search', 'bulk', 'operations']),
    );
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        expect({ route: `${method} ${path}`, tags: operation.tags?.length }).toEqual({
          route: `${method} ${path}`,
          tags: 1,
        });
      }
    }
    const described = document.tags ?? [];
    expect(described.map((tag) => tag.name).sort()).toEqual([...used].sort());
    for (const tag of described) expect(tag.description).toMatch(/\w{3}/);
  });

  it('should document /metrics under operations as Prometheus text', () => {
    const metrics = document.paths['/metrics'].get;
    expect(metrics.tags).toEqual(['operations']);
    expect(metrics.responses['200'].content?.['text/plain']?.schema).toMatchObject({
      type: 'string',
    });
    expect(document.paths['/api/v1/products/export'].get.tags).toEqual(['bulk']);
  });
  it('should give no optional parameter an example, which "Try it out" would send', () => {
    const prefilled = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).flatMap(([method, operation]) =>
        (operation.parameters ?? [])
          .filter(
            (parameter) =>
              !(parameter as { required?: boolean }).required &&
              ('example' in parameter ||
                'examples' in parameter ||
                (parameter.schema !== undefined && 'example' in parameter.schema)),
          )
          .map((parameter) => `${method} ${path} ${parameter.name}`),
      ),
    );
    expect(prefilled).toEqual([]);
    const q = document.paths['/api/v1/products/search'].get.parameters?.find((p) => p.name === 'q');
    expect((q as { description?: string }).description).toMatch(/Example: `laptop`$/);
    const limit = document.paths['/api/v1/products'].get.parameters?.find(
      (p) => p.name === 'limit',
    );
    expect(limit?.schema).toMatchObject({ default: 20 });
  });
});
