/**
 * A floor: a minimal node:http server with a pg Pool that answers the benchmark's URLs with the
 * service's JSON envelope, and nothing else (no validation beyond what routing needs, no
 * logging, no metrics). Run as its own process so that it never shares the driver's event loop.
 *
 *   FLOOR_MODE=service-sql      runs the statements the service's own code builds (service-sql.ts)
 *   FLOOR_MODE=straightforward  runs the naive SQL of issue 6: recursive CTE IN-ed, ILIKE,
 *                               ORDER BY id LIMIT/OFFSET, and a separate count(*)
 *   FLOOR_MODE=nest             the service-sql reads behind a bare NestJS + Express app instead
 *                               of node:http (nest-floor.ts); reads only
 *
 * Env: FLOOR_PORT, FLOOR_DATABASE_URL, FLOOR_POOL_SIZE. GET /__stats answers the number of SQL
 * statements sent so far.
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { DatabaseError, Pool, QueryResult, QueryResultRow } from 'pg';
import { SESSION_OPTIONS } from '../src/database/data-source-options';
import type { ReportRow } from '../src/modules/reports/reports.repository';
import { NestExpressApplication } from '@nestjs/platform-express';
import { startNestFloor } from './nest-floor';
import { InvalidQuery, Recorded, ServiceSql, Statement } from './service-sql';

type Mode = 'service-sql' | 'straightforward' | 'nest';
const mode = process.env.FLOOR_MODE as Mode;
if (mode !== 'service-sql' && mode !== 'straightforward' && mode !== 'nest') {
  throw new Error('FLOOR_MODE must be service-sql, straightforward or nest');
}
/** Whether it runs the service's own SQL (service-sql, and nest). */
const serviceSqlMode = mode !== 'straightforward';
const port = Number(process.env.FLOOR_PORT ?? 0);
const pool = new Pool({
  connectionString: process.env.FLOOR_DATABASE_URL,
  max: Number(process.env.FLOOR_POOL_SIZE ?? 10),
  // The service's own SQL runs with the service's own session settings.
  ...(serviceSqlMode && { options: SESSION_OPTIONS }),
});
let statements = 0;

function query<R extends QueryResultRow = QueryResultRow>(
  sql: string,
  parameters: unknown[] = [],
): Promise<QueryResult<R>> {
  statements++;
  return pool.query<R>(sql, parameters);
}

const COLUMNS =
  'id, title, description, image_url, sku, price, category_id, created_at, updated_at';

interface ProductRow {
  id: string;
  title: string;
  description: string;
  image_url: string | null;
  sku: string;
  price: string;
  category_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The service's Product JSON. */
const toJson = (row: ProductRow) => ({
  id: Number(row.id),
  title: row.title,
  description: row.description,
  image_url: row.image_url,
  sku: row.sku,
  price: row.price,
  category_id: row.category_id === null ? null : Number(row.category_id),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(response: ServerResponse, status: number, body?: unknown, location?: string): void {
  const headers: Record<string, string> = {};
  let payload: string | undefined;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  if (location) headers.location = location;
  response.writeHead(status, headers);
  response.end(payload);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'body must be a JSON object');
}

const positiveId = (text: string): string => {
  if (!/^[1-9]\d{0,17}$/.test(text)) throw new HttpError(422, 'id must be a positive integer');
  return text;
};

/** A small cache of per-URL work (statements or SQL text): the benchmark's URLs repeat. */
class Memo<T> {
  private readonly entries = new Map<string, Promise<T>>();

  get(key: string, build: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= 10_000) this.entries.clear();
      entry = build();
      this.entries.set(key, entry);
      entry.catch(() => this.entries.delete(key));
    }
    return entry;
  }
}

// ---------------------------------------------------------------- list paging (both floors)

/** The floors' own cursor: the last id of the page. The service's cursors are opaque to them. */
const encodeCursor = (id: string) => Buffer.from(`after:${id}`).toString('base64url');
function decodeCursor(cursor: string): string {
  const match = /^after:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new HttpError(422, 'invalid cursor');
  return match[1];
}

interface ListPage {
  limit: number;
  offset: number;
  afterId?: string;
  withTotal: boolean;
  keyset: boolean;
}

function listPage(params: URLSearchParams): ListPage {
  const cursor = params.get('cursor');
  return {
    limit: Number(params.get('limit') ?? 20),
    offset: Number(params.get('offset') ?? 0),
    afterId: cursor ? decodeCursor(cursor) : undefined,
    withTotal: params.get('include_total') !== 'false',
    keyset: cursor !== null || params.get('include_total') === 'false',
  };
}

/** The envelope of a list or search page from up to limit + 1 rows (the extra one: more follow). */
function envelope(
  rows: ProductRow[],
  total: number | null,
  page: { limit: number; offset: number },
) {
  const items = rows.slice(0, page.limit);
  return {
    items: items.map(toJson),
    total,
    limit: page.limit,
    offset: page.offset,
    next_cursor: rows.length > page.limit ? encodeCursor(items[items.length - 1].id) : null,
  };
}

// ---------------------------------------------------------------- the service's own SQL

const serviceSql = new ServiceSql();
const recordedReads = new Memo<Recorded>();
let getByIdTemplate: Promise<{ statement: Statement; slot: number }> | undefined;
const SENTINEL_ID = '987654321987654';

/** Maps one TypeORM-aliased row (`p_title`, `Product_title`...) to plain column names. */
function unalias(row: Record<string, unknown>): ProductRow {
  if ('title' in row) return row as unknown as ProductRow;
  const titleKey = Object.keys(row).find((key) => key.endsWith('_title'));
  if (!titleKey) throw new Error('service-sql floor: a product row without a title column');
  const prefix = titleKey.slice(0, -'title'.length);
  const plain: Record<string, unknown> = {};
  for (const column of serviceSql.productColumns) plain[column] = row[`${prefix}${column}`];
  return plain as unknown as ProductRow;
}

/**
 * Runs recorded read statements in parallel, as the service does, and assembles the envelope.
 * The statement with product columns (aliased, or plain as the list's `t.total, p.*`) gives the
 * page's rows (up to limit + 1; a row of nulls beside the total is an empty page), and the total
 * when it carries a `total` column (count(*) OVER (), or NULL without one); a statement with only
 * `total` (search) or `cnt` (list) is a separate count, whose `category_exists` tells a missing
 * category.
 *
 * Recordings follow the service's path for a non-empty page (see service-sql.ts): statements the
 * service runs only after an empty page (a category check, a count past the end) are not replayed.
 */
async function runRecorded(recorded: Recorded) {
  const results = await Promise.all(
    recorded.statements.map((statement) =>
      query<Record<string, unknown>>(statement.sql, statement.parameters),
    ),
  );
  let rows: ProductRow[] | undefined;
  let total: number | null = null;
  for (const result of results) {
    const columns = result.fields.map((field) => field.name);
    const first = result.rows[0];
    if (columns.some((column) => column === 'title' || column.endsWith('_title'))) {
      if (rows) throw new Error('service-sql floor: more than one page statement');
      rows = result.rows.map(unalias).filter((row) => row.id !== null);
      if (columns.includes('total')) {
        total = !first ? 0 : first.total === null ? null : Number(first.total);
      }
    } else if (first && ('total' in first || 'cnt' in first)) {
      total = Number(first.total ?? first.cnt);
      if (first.category_exists === false) throw new HttpError(404, 'no such category');
    } else {
      throw new Error(`service-sql floor: a statement of unknown role: ${columns.join(', ')}`);
    }
  }
  return envelope(rows ?? [], total, recorded);
}

const recordOrReject = (record: () => Promise<Recorded>) =>
  record().catch((error: unknown) => {
    throw error instanceof InvalidQuery ? new HttpError(422, error.message) : error;
  });

const serviceSqlReads = {
  search: (params: URLSearchParams, key: string) =>
    recordedReads
      .get(`search?${key}`, () =>
        recordOrReject(() => serviceSql.search(Object.fromEntries(params))),
      )
      .then(runRecorded),
  list: (params: URLSearchParams, key: string) => {
    const page = listPage(params);
    return recordedReads.get(`list?${key}`, () => serviceSql.list(page)).then(runRecorded);
  },
  async get(id: string) {
    getByIdTemplate ??= serviceSql.getById(SENTINEL_ID).then((recorded) => {
      if (recorded.length !== 1) throw new Error('service-sql floor: get by id is not 1 statement');
      const slot = recorded[0].parameters.indexOf(SENTINEL_ID);
      if (slot < 0) throw new Error('service-sql floor: get by id does not bind the id');
      return { statement: recorded[0], slot };
    });
    const { statement, slot } = await getByIdTemplate;
    const parameters = [...statement.parameters];
    parameters[slot] = id;
    const result = await query<Record<string, unknown>>(statement.sql, parameters);
    return result.rows.length === 0 ? undefined : toJson(unalias(result.rows[0]));
  },
};

// ---------------------------------------------------------------- the straightforward SQL

const SUBTREE_CTE = `WITH RECURSIVE subtree AS (
  SELECT id FROM category WHERE id = $1
  UNION ALL
  SELECT c.id FROM category c JOIN subtree s ON c.parent_id = s.id
)`;

interface NaiveSearch {
  page: Statement;
  count: Statement;
  categoryId?: string;
  limit: number;
  offset: number;
}

const naiveSearches = new Memo<NaiveSearch>();

function naiveSearch(params: URLSearchParams): NaiveSearch {
  const parameters: unknown[] = [];
  const conditions: string[] = [];
  const bind = (value: unknown) => `$${parameters.push(value)}`;
  const categoryId = params.get('category_id') ?? undefined;
  if (categoryId !== undefined) bind(positiveId(categoryId)); // $1, used by SUBTREE_CTE
  const q = params.get('q')?.trim();
  if (q) {
    const escaped = q.replace(/[\\%_]/g, (character) => `\\${character}`);
    conditions.push(
      `(p.title ILIKE '%' || ${bind(escaped)} || '%' OR p.sku = ${bind(q.toUpperCase())})`,
    );
  }
  const minPrice = params.get('min_price');
  if (minPrice !== null) conditions.push(`p.price >= ${bind(minPrice)}`);
  const maxPrice = params.get('max_price');
  if (maxPrice !== null) conditions.push(`p.price <= ${bind(maxPrice)}`);
  if (categoryId !== undefined) conditions.push('p.category_id IN (SELECT id FROM subtree)');
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const cte = categoryId !== undefined ? SUBTREE_CTE : '';
  const limit = Number(params.get('limit') ?? 20);
  const offset = Number(params.get('offset') ?? 0);
  const countParameters = [...parameters];
  const page = `${cte} SELECT ${COLUMNS} FROM product p ${where} ORDER BY p.id LIMIT ${bind(limit)} OFFSET ${bind(offset)}`;
  return {
    page: { sql: page, parameters },
    count: {
      sql: `${cte} SELECT count(*)::int AS total FROM product p ${where}`,
      parameters: countParameters,
    },
    categoryId,
    limit,
    offset,
  };
}

const straightforwardReads = {
  async search(params: URLSearchParams, key: string) {
    const built = await naiveSearches.get(key, () => Promise.resolve(naiveSearch(params)));
    const [page, count] = await Promise.all([
      query<ProductRow>(built.page.sql, built.page.parameters),
      query<{ total: number }>(built.count.sql, built.count.parameters),
    ]);
    const total = count.rows[0].total;
    if (total === 0 && built.categoryId !== undefined) {
      const exists = await query('SELECT 1 FROM category WHERE id = $1', [built.categoryId]);
      if (exists.rowCount === 0) throw new HttpError(404, 'no such category');
    }
    return envelope(page.rows, total, built);
  },
  async list(params: URLSearchParams) {
    const page = listPage(params);
    const [rows, count] = await Promise.all([
      page.afterId === undefined
        ? query<ProductRow>(`SELECT ${COLUMNS} FROM product ORDER BY id LIMIT $1 OFFSET $2`, [
            page.keyset ? page.limit + 1 : page.limit,
            page.offset,
          ])
        : query<ProductRow>(`SELECT ${COLUMNS} FROM product WHERE id > $1 ORDER BY id LIMIT $2`, [
            page.afterId,
            page.limit + 1,
          ]),
      page.withTotal
        ? query<{ total: number }>('SELECT count(*)::int AS total FROM product')
        : undefined,
    ]);
    return envelope(rows.rows, count ? count.rows[0].total : null, page);
  },
  async get(id: string) {
    const result = await query<ProductRow>(`SELECT ${COLUMNS} FROM product WHERE id = $1`, [id]);
    return result.rows.length === 0 ? undefined : toJson(result.rows[0]);
  },
};

const reads = serviceSqlMode ? serviceSqlReads : straightforwardReads;

// ---------------------------------------------------------------- category reports

/** The service's CategoryReport JSON. */
const toReportJson = (row: ReportRow) => ({
  category_id: Number(row.category_id),
  name: row.name,
  categories: Number(row.categories),
  products: Number(row.products),
  active_products: Number(row.active_products),
  min_price: row.min_price,
  max_price: row.max_price,
  average_price: row.average_price,
  stock_units: Number(row.stock_units),
  stock_value: row.stock_value,
  units_sold: Number(row.units_sold),
  revenue: row.revenue,
  rating_average: row.rating_average,
  review_count: Number(row.review_count),
});

interface ReportPage {
  parentId: string | null;
  limit: number;
  offset: number;
}

function reportPage(params: URLSearchParams): ReportPage {
  const parentId = params.get('parent_id');
  return {
    parentId: parentId === null ? null : positiveId(parentId),
    limit: Number(params.get('limit') ?? 20),
    offset: Number(params.get('offset') ?? 0),
  };
}

/** The page envelope of up to limit + 1 reports, ordered by id. */
function reportEnvelope(rows: ReportRow[], total: number, page: ReportPage) {
  const items = rows.slice(0, page.limit);
  return {
    items: items.map(toReportJson),
    total,
    limit: page.limit,
    offset: page.offset,
    next_cursor:
      rows.length > page.limit ? encodeCursor(items[items.length - 1].category_id) : null,
  };
}

const recordedReports = new Memo<Statement>();

const onlyStatement = (recorded: Statement[]) => {
  if (recorded.length !== 1) throw new Error('service-sql floor: a report is not 1 statement');
  return recorded[0];
};

const serviceSqlReports = {
  async report(id: string) {
    const statement = await recordedReports.get(`report ${id}`, () =>
      serviceSql.report(id).then(onlyStatement),
    );
    const result = await query<ReportRow>(statement.sql, statement.parameters);
    return result.rows.length === 0 ? undefined : toReportJson(result.rows[0]);
  },
  async list(params: URLSearchParams, key: string) {
    const page = reportPage(params);
    const statement = await recordedReports.get(`reports ${key}`, () =>
      serviceSql.reportPage(page).then(onlyStatement),
    );
    const result = await query<ReportRow & { total: number; parent_exists: boolean }>(
      statement.sql,
      statement.parameters,
    );
    if (!result.rows[0].parent_exists) throw new HttpError(404, 'no such category');
    const rows = result.rows.filter((row) => row.category_id !== null);
    return reportEnvelope(rows, result.rows[0].total, page);
  },
};

/**
 * The straightforward report of one subtree: the recursive CTE IN-ed, and plain aggregates, one
 * per table, joined to order_line and "order" for the sales. $1 the subtree's root.
 */
const NAIVE_REPORT = `${SUBTREE_CTE},
  products AS (SELECT * FROM product WHERE category_id IN (SELECT id FROM subtree))
  SELECT c.id::text AS category_id, c.name,
    (SELECT count(*)::int FROM subtree) AS categories,
    (SELECT count(*) FROM products)::text AS products,
    (SELECT count(*) FROM products WHERE is_active)::text AS active_products,
    (SELECT min(price)::text FROM products WHERE is_active) AS min_price,
    (SELECT max(price)::text FROM products WHERE is_active) AS max_price,
    (SELECT (round(avg(price), 2))::text FROM products WHERE is_active) AS average_price,
    (SELECT coalesce(sum(i.quantity), 0)::text FROM products p JOIN inventory i ON i.product_id = p.id
      WHERE p.is_active) AS stock_units,
    (SELECT coalesce(sum(p.price * i.quantity), 0)::numeric(20,2)::text
      FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.is_active) AS stock_value,
    (SELECT coalesce(sum(l.quantity), 0)::text FROM products p
      JOIN order_line l ON l.product_id = p.id JOIN "order" o ON o.id = l.order_id
      WHERE o.status <> 'cancelled') AS units_sold,
    (SELECT coalesce(sum(l.line_total), 0)::numeric(20,2)::text FROM products p
      JOIN order_line l ON l.product_id = p.id JOIN "order" o ON o.id = l.order_id
      WHERE o.status <> 'cancelled') AS revenue,
    (SELECT (round(avg(r.rating), 2))::text FROM products p JOIN review r ON r.product_id = p.id)
      AS rating_average,
    (SELECT count(*)::text FROM products p JOIN review r ON r.product_id = p.id) AS review_count
  FROM category c WHERE c.id = $1`;

const straightforwardReports = {
  async report(id: string) {
    const result = await query<ReportRow>(NAIVE_REPORT, [id]);
    return result.rows.length === 0 ? undefined : toReportJson(result.rows[0]);
  },
  /** The children (or roots), then one report per child. */
  async list(params: URLSearchParams) {
    const page = reportPage(params);
    const where = page.parentId === null ? 'parent_id IS NULL' : 'parent_id = $1';
    const bound = page.parentId === null ? [] : [page.parentId];
    if (page.parentId !== null) {
      const exists = await query('SELECT 1 FROM category WHERE id = $1', [page.parentId]);
      if (exists.rowCount === 0) throw new HttpError(404, 'no such category');
    }
    const [children, count] = await Promise.all([
      query<{ id: string }>(
        `SELECT id FROM category WHERE ${where} ORDER BY id LIMIT ${page.limit + 1} OFFSET ${page.offset}`,
        bound,
      ),
      query<{ total: number }>(`SELECT count(*)::int AS total FROM category WHERE ${where}`, bound),
    ]);
    const rows = await Promise.all(
      children.rows.map(
        async (child) => (await query<ReportRow>(NAIVE_REPORT, [child.id])).rows[0],
      ),
    );
    return reportEnvelope(rows, count.rows[0].total, page);
  },
};

const reports = serviceSqlMode ? serviceSqlReports : straightforwardReports;

// ---------------------------------------------------------------- writes (both floors)

const WRITABLE: Record<string, string> = {
  title: 'title',
  description: 'description',
  image_url: 'image_url',
  sku: 'sku',
  price: 'price',
  category_id: 'category_id',
};

function translateWriteError(error: unknown): never {
  if (error instanceof DatabaseError) {
    if (error.code === '23505') throw new HttpError(409, 'duplicate');
    if (error.code === '23503') throw new HttpError(422, 'unknown category');
  }
  throw error;
}

async function create(body: Record<string, unknown>) {
  const sku = typeof body.sku === 'string' ? body.sku.trim().toUpperCase() : body.sku;
  const result = await query<ProductRow>(
    `INSERT INTO product (title, description, image_url, sku, price, category_id)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [
      body.title,
      body.description ?? '',
      body.image_url ?? null,
      sku,
      typeof body.price === 'number' ? String(body.price) : body.price,
      body.category_id ?? null,
    ],
  ).catch(translateWriteError);
  return toJson(result.rows[0]);
}

async function update(id: string, body: Record<string, unknown>) {
  const parameters: unknown[] = [];
  const assignments: string[] = [];
  for (const [field, value] of Object.entries(body)) {
    const column = WRITABLE[field];
    if (!column) throw new HttpError(422, `unknown field ${field}`);
    parameters.push(typeof value === 'number' ? String(value) : value);
    assignments.push(`${column} = $${parameters.length}`);
  }
  assignments.push('updated_at = now()');
  parameters.push(id);
  const result = await query<ProductRow>(
    `UPDATE product SET ${assignments.join(', ')} WHERE id = $${parameters.length} RETURNING ${COLUMNS}`,
    parameters,
  ).catch(translateWriteError);
  return result.rows.length === 0 ? undefined : toJson(result.rows[0]);
}

// ---------------------------------------------------------------- routing

const PRODUCT = /^\/api\/v1\/products\/([^/]+)$/;
const REPORT = /^\/api\/v1\/categories\/([^/]+)\/report$/;

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = request.url ?? '/';
  const questionMark = url.indexOf('?');
  const path = questionMark < 0 ? url : url.slice(0, questionMark);
  const key = questionMark < 0 ? '' : url.slice(questionMark + 1);
  const method = request.method ?? 'GET';
  if (method === 'GET') {
    if (path === '/health') return send(response, 200, { status: 'ok' });
    if (path === '/__stats') return send(response, 200, { statements, mode });
    if (path === '/api/v1/products/search') {
      return send(response, 200, await reads.search(new URLSearchParams(key), key));
    }
    if (path === '/api/v1/products') {
      return send(response, 200, await reads.list(new URLSearchParams(key), key));
    }
    if (path === '/api/v1/reports/categories') {
      return send(response, 200, await reports.list(new URLSearchParams(key), key));
    }
    const reportOf = REPORT.exec(path);
    if (reportOf) {
      const report = await reports.report(positiveId(reportOf[1]));
      return report ? send(response, 200, report) : send(response, 404, { status: 404 });
    }
    const match = PRODUCT.exec(path);
    if (match) {
      const product = await reads.get(positiveId(match[1]));
      return product ? send(response, 200, product) : send(response, 404, { status: 404 });
    }
  } else if (method === 'POST' && path === '/api/v1/products') {
    const product = await create(await readJson(request));
    return send(response, 201, product, `/api/v1/products/${product.id}`);
  } else if (method === 'PATCH' || method === 'DELETE') {
    const match = PRODUCT.exec(path);
    if (match) {
      const id = positiveId(match[1]);
      if (method === 'DELETE') {
        const result = await query('DELETE FROM product WHERE id = $1', [id]);
        return result.rowCount === 0 ? send(response, 404, { status: 404 }) : send(response, 204);
      }
      const product = await update(id, await readJson(request));
      return product ? send(response, 200, product) : send(response, 404, { status: 404 });
    }
  }
  send(response, 404, { status: 404, detail: 'no such route' });
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    if (error instanceof HttpError) {
      send(response, error.status, { status: error.status, detail: error.message });
      return;
    }
    process.stderr.write(
      `floor ${mode}: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    if (!response.headersSent) send(response, 500, { status: 500 });
    else response.destroy();
  });
});
server.keepAliveTimeout = 65_000;

let nestApp: NestExpressApplication | undefined;

/** The same service-SQL reads, ids checked as handle() checks them, for the Nest controller. */
const startNest = async () => {
  nestApp = await startNestFloor(
    {
      search: (params, key) => serviceSqlReads.search(params, key),
      list: (params, key) => serviceSqlReads.list(params, key),
      get: (id) => serviceSqlReads.get(positiveId(id)),
      report: (id) => serviceSqlReports.report(positiveId(id)),
      reports: (params, key) => serviceSqlReports.list(params, key),
      stats: () => ({ statements, mode }),
      refusal: (error) =>
        error instanceof HttpError ? { status: error.status, detail: error.message } : undefined,
    },
    port,
  );
};

async function main(): Promise<void> {
  if (serviceSqlMode) await serviceSql.prepare();
  await pool.query('SELECT 1');
  if (mode === 'nest') {
    await startNest();
    process.stdout.write(`floor ${mode} listening on 127.0.0.1:${port}\n`);
    return;
  }
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`floor ${mode} listening on 127.0.0.1:${port}\n`);
  });
}

const shutdown = () => {
  server.close();
  server.closeAllConnections();
  // Idle keep-alive sockets would hold Nest's close up: nothing is in flight by now.
  nestApp?.getHttpServer().closeAllConnections();
  (nestApp ? nestApp.close() : Promise.resolve())
    .then(() => pool.end())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

main().catch((error: unknown) => {
  process.stderr.write(`floor ${mode} failed to start: ${String(error)}\n`);
  process.exit(1);
});
