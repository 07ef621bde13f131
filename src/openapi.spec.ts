import type { OpenAPIObject } from '@nestjs/swagger';
import { describeTags, withoutDtoSuffix, withoutExamplesOfOptionalParameters } from './openapi';

const documentOf = (
  schemas: Record<string, object>,
  paths: OpenAPIObject['paths'] = {},
): OpenAPIObject => ({
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths,
  components: { schemas },
});

describe('withoutDtoSuffix', () => {
  it('should rename every Dto schema and every reference to it, wherever it is', () => {
    const document = withoutDtoSuffix(
      documentOf(
        {
          OrderDto: {
            type: 'object',
            properties: {
              lines: { type: 'array', items: { $ref: '#/components/schemas/OrderLineDto' } },
              customer: { allOf: [{ $ref: '#/components/schemas/CustomerDto' }], nullable: true },
            },
          },
          OrderLineDto: { type: 'object', properties: { sku: { type: 'string' } } },
          CustomerDto: { type: 'object', properties: { id: { type: 'integer' } } },
          Event: {
            oneOf: [{ $ref: '#/components/schemas/OrderDto' }],
            discriminator: {
              propertyName: 'kind',
              mapping: { order: '#/components/schemas/OrderDto' },
            },
          },
        },
        {
          '/orders': {
            get: {
              responses: {
                '200': {
                  description: 'ok',
                  content: {
                    'application/json': { schema: { $ref: '#/components/schemas/OrderDto' } },
                  },
                },
              },
            },
          },
        },
      ),
    );
    expect(Object.keys(document.components!.schemas!)).toEqual([
      'Order',
      'OrderLine',
      'Customer',
      'Event',
    ]);
    const text = JSON.stringify(document);
    expect(text).not.toMatch(/Dto/);
    expect(text).toContain('"mapping":{"order":"#/components/schemas/Order"}');
    expect(document.paths['/orders'].get!.responses['200']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } },
    });
  });

  it('should leave examples, other references and names without the suffix alone', () => {
    const document = withoutDtoSuffix(
      documentOf({
        ProductDto: {
          type: 'object',
          properties: {
            note: { type: 'string', example: { $ref: '#/components/schemas/ProductDto' } },
          },
        },
        Dto: { type: 'object', properties: { a: { $ref: '#/components/responses/ProductDto' } } },
      }),
    );
    expect(Object.keys(document.components!.schemas!)).toEqual(['Product', 'Dto']);
    expect(JSON.stringify(document)).toContain(
      '"example":{"$ref":"#/components/schemas/ProductDto"}',
    );
    expect(JSON.stringify(document)).toContain('#/components/responses/ProductDto');
  });

  it('should refuse to merge two schemas into one name', () => {
    expect(() =>
      withoutDtoSuffix(
        documentOf({ ProductDto: { type: 'string' }, Product: { type: 'integer' } }),
      ),
    ).toThrow('OpenAPI schema ProductDto cannot be renamed Product: that name is taken');
  });
});

describe('describeTags', () => {
  const paths: OpenAPIObject['paths'] = {
    '/b': { get: { tags: ['search'], responses: {} }, parameters: [] },
    '/a': { post: { tags: ['products'], responses: {} }, get: { tags: ['new'], responses: {} } },
  };

  it('should describe the tags in use in the order given, then the undescribed ones', () => {
    const document = describeTags(documentOf({}, paths), {
      products: 'Products',
      orders: 'Orders',
      search: 'Search',
    });
    expect(document.tags).toEqual([
      { name: 'products', description: 'Products' },
      { name: 'search', description: 'Search' },
      { name: 'new' },
    ]);
  });
});

describe('withoutExamplesOfOptionalParameters', () => {
  it('should keep defaults and required examples, and move optional examples into descriptions', () => {
    const document = withoutExamplesOfOptionalParameters(
      documentOf(
        {},
        {
          '/p/{id}': {
            get: {
              responses: {},
              parameters: [
                { name: 'id', in: 'path', required: true, schema: { type: 'integer', example: 1 } },
                {
                  name: 'limit',
                  in: 'query',
                  schema: { type: 'integer', default: 20, example: 20 },
                },
                {
                  name: 'q',
                  in: 'query',
                  description: 'Text.',
                  schema: { type: 'string', example: 'lamp' },
                },
                { name: 'ids', in: 'query', example: [1, 2], schema: { type: 'string' } },
              ],
            },
          },
        },
      ),
    );
    expect(document.paths['/p/{id}'].get!.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', example: 1 } },
      { name: 'limit', in: 'query', schema: { type: 'integer', default: 20 } },
      { name: 'q', in: 'query', description: 'Text. Example: `lamp`', schema: { type: 'string' } },
      { name: 'ids', in: 'query', description: 'Example: `[1,2]`', schema: { type: 'string' } },
    ]);
  });
});
