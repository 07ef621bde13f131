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
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { required?: string[]; properties: Record<string, unknown> }>;
  };
};

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
      if (Number(status) >= 400 && !path.startsWith('/health')) {
        expect(response.content?.['application/problem+json']?.schema.$ref).toBe(
          '#/components/schemas/ProblemDetailsDto',
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
    expect(schemas.CreateProductDto.required?.sort()).toEqual(['price', 'sku', 'title']);
    expect(Object.keys(schemas.CreateProductDto.properties).sort()).toEqual([
      'category_id',
      'description',
      'image_url',
      'is_active',
      'price',
      'sku',
      'title',
    ]);
    expect(schemas.CreateCategoryDto.required).toEqual(['name']);
    expect(schemas.UpdateProductDto.required ?? []).toEqual([]);
    expect(Object.keys(schemas.ProductDto.properties).sort()).toEqual([
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
    expect(schemas.ProductDto.required).not.toContain('inventory');
  });

  it('should document the inventory bodies, the ETag of its reads and writes, and Idempotency-Key', () => {
    const schemas = document.components.schemas;
    expect(schemas.SetInventoryDto.required).toEqual(['quantity']);
    expect(Object.keys(schemas.SetInventoryDto.properties)).toEqual(['quantity']);
    expect(schemas.CreateAdjustmentDto.required).toEqual(['delta']);
    expect(Object.keys(schemas.CreateAdjustmentDto.properties).sort()).toEqual(['delta', 'note']);
    expect(Object.keys(schemas.AdjustmentDto.properties).sort()).toEqual(['inventory', 'movement']);
    expect(Object.keys(schemas.InventoryDto.properties).sort()).toEqual([
      'product_id',
      'quantity',
      'updated_at',
    ]);
    expect(Object.keys(schemas.MovementDto.properties).sort()).toEqual([
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
      '#/components/schemas/CreateAdjustmentDto',
    );
    const movements = document.paths['/api/v1/products/{id}/inventory/movements'].get;
    expect(movements.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['id', 'limit', 'offset', 'cursor', 'include_total', 'If-None-Match']),
    );
  });

  it('should document the customer and review bodies without server-set fields', () => {
    const schemas = document.components.schemas;
    expect(schemas.CreateCustomerDto.required?.sort()).toEqual(['email', 'name']);
    expect(schemas.UpdateCustomerDto.required ?? []).toEqual([]);
    expect(schemas.CreateReviewDto.required?.sort()).toEqual(['author', 'rating']);
    expect(Object.keys(schemas.CreateReviewDto.properties).sort()).toEqual([
      'author',
      'body',
      'customer_id',
      'rating',
      'title',
    ]);
    expect(Object.keys(schemas.RatingDto.properties).sort()).toEqual([
      'average',
      'count',
      'distribution',
      'product_id',
    ]);
    expect(Object.keys(schemas.RatingDistributionDto.properties)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
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
    expect(schemas.CreateOrderDto.required).toEqual(['customer_id', 'lines']);
    expect(schemas.OrderLineInputDto.required).toEqual(['product_id', 'quantity']);
    expect(schemas.UpdateOrderDto.required).toEqual(['status']);
    expect(Object.keys(schemas.OrderDto.properties).sort()).toEqual([
      'created_at',
      'customer_id',
      'id',
      'item_count',
      'lines',
      'status',
      'total',
      'updated_at',
    ]);
    expect(Object.keys(schemas.OrderLineDto.properties).sort()).toEqual([
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
    expect(Object.keys(schemas.ProblemDetailsDto.properties)).toContain('items');
    expect(conflict.example).toMatchObject({
      code: 'insufficient_stock',
      items: [{ product_id: 2, requested: 5, available: 1 }],
    });
    expect(Object.keys(schemas.ShortItemDto.properties)).toEqual([
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
    expect(Object.keys(schemas.CategoryReportDto.properties).sort()).toEqual(figures);
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
});
