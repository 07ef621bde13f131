import { Readable, Transform, TransformCallback } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { toBoolean, toInteger } from '../../common/dto/page.dto';
import { DomainError, FieldError, ValidationFailedError } from '../../common/errors/domain-error';
import type { OtherBodyRoute } from '../../common/http/json-body.middleware';
import { validatePlain } from '../../common/validation';
import { CreateCategoryDto } from '../categories/dto/category.dto';
import { MAX_CATEGORY_DEPTH } from '../categories/category.entity';
import { SetInventoryDto } from '../inventory/dto/inventory.dto';
import { CreateProductDto } from '../products/dto/product.dto';

/** The columns of an export, in order; an import takes any of them, `sku`, `title` and `price` required. */
export const PRODUCT_COLUMNS = [
  'sku',
  'title',
  'description',
  'price',
  'image_url',
  'category_path',
  'is_active',
  'quantity',
] as const;
export type ProductColumn = (typeof PRODUCT_COLUMNS)[number];
const REQUIRED_COLUMNS: ProductColumn[] = ['sku', 'title', 'price'];

/** Joins the names of a category path, from the root down. */
export const PATH_SEPARATOR = ' > ';

export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/** The import route, which takes a CSV body instead of JSON (see requireJsonBody). */
export const IMPORT_ROUTE: OtherBodyRoute = {
  method: 'POST',
  path: '/api/v1/products/import',
  types: ['text/csv'],
};
/** A refusal lists at most this many field errors. */
const MAX_ERRORS = 100;

/** One valid row of an import: the product's fields as the file gives them, normalised. */
export interface ImportRow {
  line: number;
  sku: string;
  title: string;
  price: string;
  description?: string;
  imageUrl?: string | null;
  isActive?: boolean;
  /** The category names from the root down; empty to unlink. */
  categoryPath?: string[];
  quantity?: number;
}

export interface ParsedImport {
  columns: ProductColumn[];
  rows: ImportRow[];
}

/** The body as text: counts its bytes against the limit and decodes strict UTF-8. */
class Utf8Body extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private bytes = 0;

  constructor(private readonly limit: number) {
    super({ readableObjectMode: false, decodeStrings: true });
  }

  override _transform(chunk: Buffer, _encoding: string, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(tooLarge());
    try {
      done(null, this.decoder.decode(chunk, { stream: true }));
    } catch {
      done(notUtf8());
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      done(null, this.decoder.decode());
    } catch {
      done(notUtf8());
    }
  }
}

export const tooLarge = () =>
  new DomainError('payload_too_large', 'The import file is larger than 64 MiB.');

const notUtf8 = () => new DomainError('malformed_csv', 'The import file is not valid UTF-8.');

function checkHeader(header: unknown[]): ProductColumn[] {
  const names = header.map((name) => String(name).trim());
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (!(PRODUCT_COLUMNS as readonly string[]).includes(name))
      errors.push({
        field: 'line 1',
        message: `unknown column "${name}"; the columns are ${PRODUCT_COLUMNS.join(', ')}`,
      });
    else if (seen.has(name))
      errors.push({ field: 'line 1', message: `column ${name} appears twice` });
    seen.add(name);
  }
  for (const name of REQUIRED_COLUMNS)
    if (!seen.has(name)) errors.push({ field: 'line 1', message: `the column ${name} is missing` });
  if (errors.length > 0) throw new ValidationFailedError(errors.slice(0, MAX_ERRORS));
  return names as ProductColumn[];
}

/** The parser's own complaint, with the line it names, without echoing the input back. */
function malformed(error: CsvError): DomainError {
  const line = (error as CsvError & { lines?: number }).lines;
  const where = line === undefined ? '' : ` at line ${line}`;
  const reasons: Partial<Record<string, string>> = {
    CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
    CSV_RECORD_INCONSISTENT_COLUMNS: 'a row has another number of fields than the header',
    CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'a row has another number of fields than the header',
    CSV_INVALID_CLOSING_QUOTE: 'a quote inside a field is not doubled',
    CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a quoted field has text after its closing quote',
  };
  const reason = reasons[error.code] ?? 'the file is not valid CSV (RFC 4180)';
  return new DomainError('malformed_csv', `The import file is malformed${where}: ${reason}.`, [
    { field: line === undefined ? 'file' : `line ${line}`, message: reason },
  ]);
}

/** Validates one record with the rules of POST /products (and of categories and stock). */
function validateRow(record: Record<string, string>, line: number, errors: FieldError[]) {
  const plain: Record<string, unknown> = {
    sku: record.sku,
    title: record.title,
    price: record.price,
  };
  if ('description' in record) plain.description = record.description;
  if ('image_url' in record) plain.image_url = record.image_url === '' ? null : record.image_url;
  if ('is_active' in record) plain.is_active = toBoolean({ value: record.is_active });
  const at = (field: string) => `line ${line}: ${field}`;
  const product = validatePlain(CreateProductDto, plain);
  const found = product.errors.map(({ field, message }) => ({ field: at(field), message }));

  let categoryPath: string[] | undefined;
  if ('category_path' in record) {
    categoryPath = [];
    const names =
      record.category_path.trim() === '' ? [] : record.category_path.split(PATH_SEPARATOR);
    if (names.length > MAX_CATEGORY_DEPTH + 1) {
      found.push({
        field: at('category_path'),
        message: `category_path has ${names.length} levels; the deepest allowed is ${MAX_CATEGORY_DEPTH + 1} (depth ${MAX_CATEGORY_DEPTH})`,
      });
    } else {
      for (const [index, name] of names.entries()) {
        const category = validatePlain(CreateCategoryDto, { name });
        if (category.errors.length > 0) {
          found.push({
            field: at('category_path'),
            message: `category ${index + 1} of the path: ${category.errors[0].message}`,
          });
          break;
        }
        categoryPath.push(category.value.name);
      }
    }
  }

  let quantity: number | undefined;
  if ('quantity' in record) {
    const stock = validatePlain(SetInventoryDto, {
      quantity: toInteger({ value: record.quantity }),
    });
    found.push(...stock.errors.map(({ field, message }) => ({ field: at(field), message })));
    quantity = stock.value.quantity;
  }

  errors.push(...found);
  if (found.length > 0) return undefined;
  const value = product.value;
  const row: ImportRow = { line, sku: value.sku, title: value.title, price: value.price };
  if ('description' in plain) row.description = value.description;
  if ('image_url' in plain) row.imageUrl = value.image_url ?? null;
  if ('is_active' in plain) row.isActive = value.is_active;
  if (categoryPath !== undefined) row.categoryPath = categoryPath;
  if (quantity !== undefined) row.quantity = quantity;
  return row;
}

/**
 * Reads a CSV import as it arrives (RFC 4180, UTF-8, a header row naming the columns) and
 * validates every row; answers the rows when all are valid. Refuses, reading no further, a body
 * over `limit` bytes (413), bytes that are not UTF-8, and CSV that does not parse (400); answers
 * every invalid field, the first 100, as `line N: field` (422) after reading the whole file.
 */
export async function parseProductCsv(
  body: Readable,
  limit = MAX_IMPORT_BYTES,
): Promise<ParsedImport> {
  const utf8 = new Utf8Body(limit);
  let columns: ProductColumn[] | undefined;
  const parser = parse({
    bom: true,
    columns: (header: unknown[]) => (columns = checkHeader(header)),
    info: true,
    skip_empty_lines: true,
  });
  body.on('error', (error) => utf8.destroy(error));
  utf8.on('error', (error) => parser.destroy(error));
  body.pipe(utf8).pipe(parser);

  const rows: ImportRow[] = [];
  const errors: FieldError[] = [];
  const lineOfSku = new Map<string, number>();
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      // info.lines is the line a record ends on; its quoted line breaks say where it started.
      const newlines = Object.values(record).reduce(
        (count, value) => count + (value.match(/\n/g)?.length ?? 0),
        0,
      );
      const line = info.lines - newlines;
      const row = validateRow(record, line, errors);
      if (row === undefined) continue;
      const first = lineOfSku.get(row.sku);
      if (first !== undefined) {
        errors.push({
          field: `line ${line}: sku`,
          message: `SKU ${row.sku} already appears on line ${first}`,
        });
        continue;
      }
      lineOfSku.set(row.sku, line);
      if (errors.length === 0) rows.push(row);
    }
  } catch (error) {
    body.unpipe(utf8);
    if (error instanceof DomainError) throw error;
    if (error instanceof CsvError) throw malformed(error);
    throw error;
  }
  if (errors.length > 0) {
    throw new DomainError(
      'validation_failed',
      `${errors.length} field${errors.length === 1 ? ' is' : 's are'} invalid (the first ${Math.min(errors.length, MAX_ERRORS)} are listed); nothing was written.`,
      errors.slice(0, MAX_ERRORS),
    );
  }
  if (columns === undefined) {
    throw new ValidationFailedError([{ field: 'line 1', message: 'the file has no header row' }]);
  }
  return { columns, rows };
}
