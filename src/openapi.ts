import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/**
 * The description of every tag a route may carry, in the order /docs shows them. Only the tags
 * some operation uses reach the document, so a tag of a module not yet built shows no empty
 * section; a tag missing here is a route without a description, which the OpenAPI e2e refuses.
 */
export const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  categories:
    'The category tree: up to 100 levels deep, unique names among siblings, moves that never make a cycle.',
  products: 'Products with exact decimal prices, a unique SKU and an optional category.',
  search:
    'Full-text search over title and description, with price range, category subtree, sorting and fuzzy matching.',
  inventory: 'Stock on hand of each product, and the ledger of movements that changed it.',
  customers: 'Customers of the store, by unique email.',
  reviews: "Customers' reviews of products and each product's rating summary.",
  orders:
    'Orders of customers: placing one takes its stock at once; its status moves pending, paid, shipped, delivered (or cancelled).',
  reports: 'Catalog, stock, sales and rating figures of each category over its whole subtree.',
  bulk: 'The whole catalog in and out: CSV or NDJSON export, all-or-nothing CSV import.',
  operations: 'Readiness, liveness and Prometheus metrics, for orchestrators and monitoring.',
};

const SCHEMA_REF = '#/components/schemas/';
const SUFFIX = 'Dto';

/** The OpenAPI document /docs and /docs-json serve. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Catalog service')
      .setDescription(
        'Products, a category tree up to 100 levels deep, and search. Errors are RFC 9457 problem details (application/problem+json).',
      )
      .setVersion('1')
      .build(),
  );
  return describeTags(
    withoutDtoSuffix(withoutExamplesOfOptionalParameters(document)),
    TAG_DESCRIPTIONS,
  );
}

/**
 * Swagger UI's "Try it out" fills every parameter with its example, so a search for one word
 * would also send the example category, price range and cursor, and answer a 404. An optional
 * parameter keeps its default (what the service would use anyway); its example moves into its
 * description.
 */
export function withoutExamplesOfOptionalParameters(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Record<string, unknown>)) {
      if (!isRecord(operation) || !Array.isArray(operation.parameters)) continue;
      for (const parameter of operation.parameters as unknown[]) {
        if (!isRecord(parameter) || parameter.required === true) continue;
        const schema = isRecord(parameter.schema) ? parameter.schema : {};
        const example = parameter.example ?? schema.example;
        delete parameter.example;
        delete parameter.examples;
        delete schema.example;
        if (example === undefined || schema.default !== undefined) continue;
        const shown = `Example: \`${typeof example === 'string' ? example : JSON.stringify(example)}\``;
        parameter.description =
          typeof parameter.description === 'string' && parameter.description !== ''
            ? `${parameter.description.replace(/\.?$/, '.')} ${shown}`
            : shown;
      }
    }
  }
  return document;
}

/**
 * Renames every schema `FooDto` to `Foo` and every reference to it, so a client generated from
 * the document has types named by what they are. Throws when `Foo` is taken already: two
 * schemas would become one.
 */
export function withoutDtoSuffix(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas;
  if (!schemas) return document;
  const renames = new Map<string, string>();
  for (const name of Object.keys(schemas)) {
    if (!name.endsWith(SUFFIX) || name === SUFFIX) continue;
    const renamed = name.slice(0, -SUFFIX.length);
    if (renamed in schemas) {
      throw new Error(`OpenAPI schema ${name} cannot be renamed ${renamed}: that name is taken`);
    }
    renames.set(name, renamed);
  }
  if (renames.size === 0) return document;
  document.components!.schemas = Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [renames.get(name) ?? name, schema]),
  );
  const rename = (ref: string): string => {
    if (!ref.startsWith(SCHEMA_REF)) return ref;
    const renamed = renames.get(ref.slice(SCHEMA_REF.length));
    return renamed === undefined ? ref : SCHEMA_REF + renamed;
  };
  rewriteReferences(document, rename);
  return document;
}

/** Rewrites every `$ref`, and every discriminator mapping (which holds references too). */
function rewriteReferences(node: unknown, rename: (ref: string) => string): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteReferences(item, rename);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(object)) {
    // Examples are data, whatever keys they hold.
    if (key === 'example' || key === 'examples') continue;
    if (key === '$ref' && typeof value === 'string') {
      object[key] = rename(value);
    } else if (key === 'discriminator' && isRecord(value) && isRecord(value.mapping)) {
      const mapping = value.mapping;
      for (const [tag, ref] of Object.entries(mapping)) {
        if (typeof ref === 'string') mapping[tag] = rename(ref);
      }
    } else {
      rewriteReferences(value, rename);
    }
  }
}

/** The document's tags: those its operations use, described, in the order of `descriptions`. */
export function describeTags(
  document: OpenAPIObject,
  descriptions: Readonly<Record<string, string>>,
): OpenAPIObject {
  const used = new Set(
    Object.values(document.paths).flatMap((item) =>
      Object.values(item as Record<string, unknown>).flatMap((operation) =>
        isRecord(operation) && Array.isArray(operation.tags) ? (operation.tags as string[]) : [],
      ),
    ),
  );
  const known = Object.keys(descriptions).filter((name) => used.has(name));
  const unknown = [...used].filter((name) => !(name in descriptions));
  document.tags = [
    ...known.map((name) => ({ name, description: descriptions[name] })),
    ...unknown.map((name) => ({ name })),
  ];
  return document;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
