/**
 * The benchmark's scenarios: what each sends, to which targets, and which fixed request checks
 * that every target answers the same.
 */
import { HttpClient, Random, sleep } from './common';
import { Context, Program, StepRequest } from './load';
import { CatalogFacts } from './seed';

export type TargetName = 'service' | 'floor-sql' | 'floor-naive' | 'floor-nest';

export interface Target {
  name: TargetName;
  label: string;
  url: string;
  client: HttpClient;
  /** SQL statements the target has sent so far, by its own count. */
  statements(): Promise<number | undefined>;
}

/** Cheap and database-bound scenarios have different targets in issue 17. */
export type Group = 'db-bound' | 'cheap' | 'read' | 'write';

export interface Unsupported {
  unsupported: string;
}

export interface Scenario {
  id: string;
  label: string;
  group: Group;
  read: boolean;
  /** Only the service can answer it (the floors have no ETags). */
  serviceOnly?: boolean;
  /** Whether a search (SQL target: at most 2 statements) or a get (exactly 1). */
  sqlTarget?: { max: number; exact?: boolean };
  prepare(target: Target): Promise<Program | Unsupported>;
  /** A fixed request whose answer must be the same from every target. */
  verify?(target: Target): Promise<StepRequest | Unsupported>;
  /** Compared by total and item ids, by the product's fields, or by the whole report body. */
  verifyAs?: 'envelope' | 'product' | 'report';
  /** An invariant to check on the target once its load runs are over (issue 14: stock conserved). */
  check?(target: Target): Promise<{ ok: boolean; detail: string }>;
}

export const isUnsupported = (value: unknown): value is Unsupported =>
  typeof value === 'object' && value !== null && 'unsupported' in value;

const get = (path: string, headers?: Record<string, string>): StepRequest => ({
  method: 'GET',
  path,
  ...(headers && { headers }),
});
const fixed = (path: string): Program => ({ steps: [{ kind: 'get', request: get(path) }] });

/** Rows of the matches a random page starts in: the first 50 pages of 20. */
const RANDOM_PAGE_ROWS = 1_000;

/** The search scenarios whose requests, in turn, make the 500- and 1,000-connection mix. */
export const SEARCH_MIX = [
  'search_common',
  'search_rare',
  'search_cjk2',
  'search_sku',
  'price_range',
  'subtree_root',
  'subtree_mid',
  'subtree_chain',
  'combined',
];

export interface ScenarioOptions {
  deepOffset: number;
  seed: number;
  /** Makes write-mix SKUs unique across runs on a reused database. */
  runTag: string;
}

export function buildScenarios(facts: CatalogFacts, options: ScenarioOptions): Scenario[] {
  const random = new Random(options.seed + 1);
  const ids = facts.productIds;
  const search = (query: Record<string, string | number>) =>
    `/api/v1/products/search?${Object.entries(query)
      .map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`)
      .join('&')}`;
  const fixedRead = (
    id: string,
    label: string,
    group: Group,
    path: string,
    sqlTarget?: Scenario['sqlTarget'],
  ): Scenario => ({
    id,
    label,
    group,
    read: true,
    sqlTarget,
    prepare: () => Promise.resolve(fixed(path)),
    verify: () => Promise.resolve(get(path)),
    verifyAs: 'envelope',
  });
  const searchLimit = { max: 2 };
  /** A search verified by its fixed `path`, whose load sends a new `draw()` per request. */
  const randomSearch = (
    id: string,
    label: string,
    group: Group,
    path: string,
    draw: () => string,
  ): Scenario => ({
    ...fixedRead(id, label, group, path, searchLimit),
    prepare: () => Promise.resolve({ steps: [{ kind: 'get', request: () => get(draw()) }] }),
  });
  // Their own sequence, so that they leave the other scenarios' random requests as they were.
  const draws = new Random(options.seed + 2);
  /**
   * A page of 10 to 30 rows (20 on average, as the fixed request's) from any row of the first
   * 1,000 of `matches`: some 20,000 different queries, so that most requests miss the service's
   * result cache (1,000 entries), at about the cost of a first page.
   */
  const randomPage = (matches: number) => {
    const limit = 10 + draws.int(21);
    const offsets = Math.max(1, Math.min(matches, RANDOM_PAGE_ROWS) - limit + 1);
    return { limit, offset: draws.int(offsets) };
  };
  /** Prices from a low bound of `from` to `to` (any cent) to `factor` times that bound. */
  const randomPrices = (from: number, to: number, factor: number) => {
    const cents = from * 100 + draws.int((to - from) * 100 + 1);
    return { min_price: (cents / 100).toFixed(2), max_price: ((cents * factor) / 100).toFixed(2) };
  };
  const combined = (prices: { min_price: number | string; max_price: number | string }) =>
    search({ q: facts.commonWord, ...prices, category_id: facts.rootId });

  const scenarios: Scenario[] = [
    {
      id: 'get_by_id',
      label: 'get by id',
      group: 'cheap',
      read: true,
      sqlTarget: { max: 1, exact: true },
      prepare: () =>
        Promise.resolve({
          steps: [
            { kind: 'get', request: () => get(`/api/v1/products/${ids[random.int(ids.length)]}`) },
          ],
        }),
      verify: () => Promise.resolve(get(`/api/v1/products/${ids[Math.floor(ids.length / 2)]}`)),
      verifyAs: 'product',
    },
    fixedRead('list_page', 'list page', 'read', '/api/v1/products?limit=20&offset=0'),
    randomSearch(
      'search_common',
      `search common word "${facts.commonWord}", random pages`,
      'db-bound',
      search({ q: facts.commonWord }),
      () => search({ q: facts.commonWord, ...randomPage(facts.commonWordTitles) }),
    ),
    fixedRead(
      'search_rare',
      `search rare word "${facts.rareWord}"`,
      'cheap',
      search({ q: facts.rareWord }),
      searchLimit,
    ),
    randomSearch(
      'search_cjk2',
      `search 2-char CJK "${facts.cjkWord}", random pages`,
      'db-bound',
      search({ q: facts.cjkWord }),
      () => search({ q: facts.cjkWord, ...randomPage(facts.cjkWordTitles) }),
    ),
    fixedRead('search_sku', 'search exact SKU', 'cheap', search({ q: facts.sku }), searchLimit),
    randomSearch(
      'price_range',
      'price range x..2x, x random in 50..150',
      'cheap',
      search({ min_price: 100, max_price: 200 }),
      () => search(randomPrices(50, 150, 2)),
    ),
    randomSearch(
      'subtree_root',
      'subtree of a root, random pages',
      'db-bound',
      search({ category_id: facts.rootId }),
      () => search({ category_id: facts.rootId, ...randomPage(facts.rootProducts) }),
    ),
    fixedRead(
      'subtree_mid',
      `subtree of a depth-${facts.midDepth} node`,
      'cheap',
      search({ category_id: facts.midId }),
      searchLimit,
    ),
  ];
  if (facts.chainTopId !== null) {
    scenarios.push(
      fixedRead(
        'subtree_chain',
        'subtree of the 100-deep chain',
        'cheap',
        search({ category_id: facts.chainTopId }),
        searchLimit,
      ),
    );
  }
  scenarios.push(
    randomSearch(
      'combined',
      'all filters combined, prices x..25x, x random in 10..40',
      'db-bound',
      combined({ min_price: 20, max_price: 500 }),
      () => combined(randomPrices(10, 40, 25)),
    ),
    fixedRead(
      'deep_offset',
      `deep page offset=${options.deepOffset}`,
      'read',
      `/api/v1/products?limit=20&offset=${options.deepOffset}`,
    ),
    deepCursor(options.deepOffset),
    revalidation(search({ q: facts.commonWord })),
    ...[20, 100].map((limit) => pageWithIncludes(facts, limit, options.seed)),
    ...reports(facts, options.runTag),
    writeMix(facts, options.runTag, random),
    hotOrders(facts, options.runTag, random),
  );
  return scenarios;
}

const EVERY_INCLUDE = 'category,inventory,rating,reviews';
/** Offsets of the include pages stay this shallow: deep offsets are deep_offset's to measure. */
const INCLUDE_MAX_OFFSET = 10_000;

/**
 * A product page of `limit` with every `include` (service only: the floors have no includes), at
 * a random offset per request (not page-aligned), so that most requests miss the result cache
 * and run their SQL: the page, then every include of the page in one statement (the contract
 * allows 3 for a page of 100). The check compares a page's ids with the same page without
 * includes, and the included fields' shapes.
 */
function pageWithIncludes(facts: CatalogFacts, limit: number, seed: number): Scenario {
  // Its own sequence, so that adding it leaves the other scenarios' random requests as they were.
  const random = new Random(seed + limit);
  const offsets = Math.max(1, Math.min(facts.productIds.length - limit, INCLUDE_MAX_OFFSET) + 1);
  const page = (offset: number, include = true) =>
    `/api/v1/products?limit=${limit}&offset=${offset}${include ? `&include=${EVERY_INCLUDE}` : ''}`;
  return {
    id: `products_include_${limit}`,
    label: `page of ${limit} with every include`,
    group: 'read',
    read: true,
    serviceOnly: true,
    sqlTarget: { max: 3 },
    prepare: () =>
      Promise.resolve({
        steps: [{ kind: 'get', request: () => get(page(random.int(offsets))) }],
      }),
    check: async (target) => {
      const offset = Math.floor(offsets / 2);
      const [withIncludes, plain] = await Promise.all(
        [page(offset), page(offset, false)].map((path) => target.client.request('GET', path)),
      );
      if (withIncludes.status !== 200 || plain.status !== 200) {
        return {
          ok: false,
          detail: `GET ${page(offset)}: ${withIncludes.status}; without include: ${plain.status}`,
        };
      }
      type Item = Record<string, unknown> & { id: unknown };
      const items = (JSON.parse(withIncludes.body) as { items: Item[] }).items;
      const ids = (JSON.parse(plain.body) as { items: Item[] }).items.map((item) => item.id);
      const problems: string[] = [];
      if (JSON.stringify(items.map((item) => item.id)) !== JSON.stringify(ids)) {
        problems.push('ids differ from the page without include');
      }
      if (items.length !== Math.min(limit, facts.productIds.length - offset)) {
        problems.push(`${items.length} items`);
      }
      const isObject = (value: unknown) => typeof value === 'object' && value !== null;
      const malformed = items.filter(
        (item) =>
          !('category' in item && (item.category === null || isObject(item.category))) ||
          !isObject(item.inventory) ||
          !isObject(item.rating) ||
          !Array.isArray(item.reviews) ||
          item.reviews.length > 3,
      );
      if (malformed.length > 0) {
        problems.push(
          `${malformed.length} items without every included field, e.g. ${String(malformed[0].id)}`,
        );
      }
      const reviewed = items.filter(
        (item) => Array.isArray(item.reviews) && item.reviews.length > 0,
      );
      return {
        ok: problems.length === 0,
        detail:
          problems.length === 0
            ? `offset ${offset}: ${items.length} items, the ids of the page without include, every field included (${reviewed.length} with reviews)`
            : `offset ${offset}: ${problems.join('; ')}`,
      };
    },
  };
}

let bumpCounter = 0;

/**
 * The two report routes (issue 15), on the root of the subtree scenario and on the roots:
 * `report_root` and `report_roots` repeat one URL, so the service answers from its result cache
 * (the floors run their SQL every time); `report_root_uncached` and `report_roots_uncached`
 * (service only) precede every report with a PATCH of a product outside every category, which
 * moves the catalog version and so misses the cache without changing any figure. Their `report`
 * latencies (by request kind) are the uncached ones.
 */
function reports(facts: CatalogFacts, runTag: string): Scenario[] {
  const one = `/api/v1/categories/${facts.rootId}/report`;
  const roots = '/api/v1/reports/categories';
  const cached = (id: string, label: string, path: string): Scenario => ({
    id,
    label,
    group: 'read',
    read: true,
    prepare: () => Promise.resolve(fixed(path)),
    verify: () => Promise.resolve(get(path)),
    verifyAs: 'report',
  });
  const probes = new Map<string, Promise<number | Unsupported>>();
  /** A product outside every category: patching it moves the catalog version, no figure. */
  const createProbe = async (target: Target, id: string): Promise<number | Unsupported> => {
    const created = await target.client.request('POST', '/api/v1/products', {
      title: `Benchmark version bump ${id}`,
      description: 'Moves the catalog version.',
      sku: `BV-${runTag}-${id.toUpperCase()}`,
      price: '0.50',
    });
    if (created.status !== 201) {
      return {
        unsupported: `${target.label}: POST /api/v1/products answered ${created.status}: ${created.body.slice(0, 200)}`,
      };
    }
    return (JSON.parse(created.body) as { id: number }).id;
  };
  const uncached = (id: string, label: string, path: string): Scenario => ({
    id,
    label,
    group: 'read',
    // After the reads: its PATCHes move the catalog version (no read scenario's answer changes).
    read: false,
    serviceOnly: true,
    prepare: async (target) => {
      // One probe per scenario and target: prepare runs again for every connection count.
      let made = probes.get(`${id} ${target.name}`);
      if (!made) probes.set(`${id} ${target.name}`, (made = createProbe(target, id)));
      const probe = await made;
      if (isUnsupported(probe)) return probe;
      return {
        steps: [
          {
            kind: 'bump',
            request: () => ({
              method: 'PATCH',
              path: `/api/v1/products/${probe}`,
              body: JSON.stringify({ description: `Version bump ${++bumpCounter}` }),
            }),
          },
          { kind: 'report', request: get(path) },
        ],
      };
    },
  });
  return [
    cached('report_root', `report of a root (${facts.rootProducts} products), cached`, one),
    cached('report_roots', 'report per root (the whole catalog), cached', roots),
    uncached('report_root_uncached', `report of a root, uncached (after a write)`, one),
    uncached('report_roots_uncached', 'report per root, uncached (after a write)', roots),
  ];
}

const FIRST_KEYSET_PAGE = '/api/v1/products?limit=20&include_total=false';

/**
 * The cursor equivalent of the deep page: walks next_cursor from the first keyset page down to
 * the deep offset (once per target), then reads that page again and again.
 */
function deepCursor(deepOffset: number): Scenario {
  const cursors = new Map<TargetName, Promise<string | Unsupported>>();
  const walk = async (target: Target): Promise<string | Unsupported> => {
    let path = FIRST_KEYSET_PAGE;
    for (let offset = 0; ; offset += 20) {
      const response = await target.client.request('GET', path);
      let next: unknown;
      try {
        next = (JSON.parse(response.body) as { next_cursor?: unknown }).next_cursor;
      } catch {
        next = undefined;
      }
      if (response.status !== 200 || typeof next !== 'string') {
        if (offset === 0) {
          return {
            unsupported: `${target.label} does not do keyset paging (GET ${FIRST_KEYSET_PAGE}: ${response.status}, next_cursor ${JSON.stringify(next)})`,
          };
        }
        throw new Error(`${target.label}: next_cursor ended at offset ${offset}`);
      }
      if (offset + 20 === deepOffset) return next;
      path = `${FIRST_KEYSET_PAGE}&cursor=${encodeURIComponent(next)}`;
    }
  };
  const cursorOf = (target: Target) => {
    let cursor = cursors.get(target.name);
    if (!cursor) cursors.set(target.name, (cursor = walk(target)));
    return cursor;
  };
  const pathOf = async (target: Target): Promise<StepRequest | Unsupported> => {
    if (deepOffset === 0) return get(FIRST_KEYSET_PAGE);
    const cursor = await cursorOf(target);
    return isUnsupported(cursor)
      ? cursor
      : get(`${FIRST_KEYSET_PAGE}&cursor=${encodeURIComponent(cursor)}`);
  };
  return {
    id: 'deep_cursor',
    label: `deep page by cursor (= offset ${deepOffset})`,
    group: 'read',
    read: true,
    prepare: async (target) => {
      const request = await pathOf(target);
      return isUnsupported(request) ? request : { steps: [{ kind: 'get', request }] };
    },
    verify: pathOf,
    verifyAs: 'envelope',
  };
}

/** If-None-Match with the ETag of the same search: an unchanged catalog answers 304. */
function revalidation(path: string): Scenario {
  return {
    id: 'revalidate_304',
    label: '304 revalidation of a search',
    group: 'read',
    read: true,
    serviceOnly: true,
    prepare: async (target) => {
      const first = await target.client.request('GET', path);
      const etag = first.headers.etag;
      if (typeof etag !== 'string') {
        return { unsupported: `${target.label} sends no ETag (GET ${path}: ${first.status})` };
      }
      const again = await target.client.request('GET', path, undefined, {
        'if-none-match': etag,
      });
      if (again.status !== 304) {
        return {
          unsupported: `${target.label} answers ${again.status}, not 304, to If-None-Match: ${etag}`,
        };
      }
      return {
        steps: [{ kind: 'revalidate', request: get(path, { 'if-none-match': etag }) }],
        ok: (status) => status === 304,
      };
    },
  };
}

let writeCounter = 0;

/**
 * Creates, patches and deletes in the ratio 2:2:1, per connection: create A, patch A, create B,
 * patch B, delete B. Written products have no category and a price of 0.50..0.75, and their
 * title matches no scenario's word, so that they leave every read scenario's answer unchanged
 * except the list's total.
 */
function writeMix(facts: CatalogFacts, runTag: string, random: Random): Scenario {
  const createRequest = (): StepRequest => {
    const n = ++writeCounter;
    return {
      method: 'POST',
      path: '/api/v1/products',
      body: JSON.stringify({
        title: `Benchmark write probe ${n}`,
        description: 'Written by the benchmark.',
        sku: `BW-${runTag}-${n}`,
        price: '0.50',
      }),
    };
  };
  const remember = (slot: string) => (status: number, body: string, context: Context) => {
    if (status !== 201) return;
    try {
      context[slot] = (JSON.parse(body) as { id: number }).id;
    } catch {
      // counted as an error by status already
    }
  };
  const patch = (slot: string) => (context: Context) => {
    const id = context[slot];
    const target =
      typeof id === 'number' ? id : facts.productIds[random.int(facts.productIds.length)];
    return {
      method: 'PATCH' as const,
      path: `/api/v1/products/${target}`,
      body: JSON.stringify(
        typeof id === 'number'
          ? { price: '0.75', description: 'Patched by the benchmark.' }
          : { description: 'Patched by the benchmark.' },
      ),
    };
  };
  const program: Program = {
    steps: [
      { kind: 'create', request: createRequest, onResponse: remember('kept') },
      { kind: 'patch', request: patch('kept') },
      { kind: 'create', request: createRequest, onResponse: remember('doomed') },
      { kind: 'patch', request: patch('doomed') },
      {
        kind: 'delete',
        request: (context) => ({
          method: 'DELETE',
          // Without a product to delete (its create failed) this is a 404, counted as an error.
          path: `/api/v1/products/${typeof context.doomed === 'number' ? context.doomed : 999_999_999_999}`,
        }),
      },
    ],
  };
  return {
    id: 'write_mix',
    label: 'write mix create:patch:delete 2:2:1',
    group: 'write',
    read: false,
    prepare: () => Promise.resolve(program),
  };
}

/** Products the order scenario sells, and the units each is stocked with. */
const HOT_PRODUCTS = 4;
const HOT_STOCK = 1_000_000;

/**
 * Orders for a small set of hot products (issue 14): each request names 1 to 3 of the 4 products,
 * in a random order, 1 to 3 units each, so that every connection contends for the same inventory
 * rows and orders name the same products in different orders. A 409 (sold out) is an answer, not
 * an error. Afterwards the units sold (the lines of the scenario customer's orders) plus the units
 * left must equal the units stocked, for every product.
 */
function hotOrders(facts: CatalogFacts, runTag: string, random: Random): Scenario {
  const products = facts.productIds.slice(0, HOT_PRODUCTS);
  let setup: Promise<number | Unsupported> | undefined;
  const prepareOnce = async (target: Target): Promise<number | Unsupported> => {
    const customer = await target.client.request('POST', '/api/v1/customers', {
      email: `bench-orders-${runTag}@example.com`,
      name: 'Benchmark buyer',
    });
    if (customer.status !== 201)
      return { unsupported: `POST /api/v1/customers answered ${customer.status}` };
    for (const id of products) {
      const stock = await target.client.request('PUT', `/api/v1/products/${id}/inventory`, {
        quantity: HOT_STOCK,
      });
      if (stock.status !== 200)
        return { unsupported: `PUT /api/v1/products/${id}/inventory answered ${stock.status}` };
    }
    return (JSON.parse(customer.body) as { id: number }).id;
  };
  const setupOf = (target: Target) => (setup ??= prepareOnce(target));
  const order = (customerId: number) => (): StepRequest => {
    const names = [...products];
    for (let index = names.length - 1; index > 0; index--) {
      const other = random.int(index + 1);
      [names[index], names[other]] = [names[other], names[index]];
    }
    names.length = 1 + random.int(3);
    return {
      method: 'POST',
      path: '/api/v1/orders',
      body: JSON.stringify({
        customer_id: customerId,
        lines: names.map((id) => ({ product_id: Number(id), quantity: 1 + random.int(3) })),
      }),
    };
  };
  return {
    id: 'orders_hot',
    label: `orders for ${HOT_PRODUCTS} hot products`,
    group: 'write',
    read: false,
    serviceOnly: true,
    prepare: async (target) => {
      const customerId = await setupOf(target);
      if (isUnsupported(customerId)) return customerId;
      return {
        steps: [{ kind: 'place', request: order(customerId) }],
        ok: (status) => status === 201 || status === 409,
      };
    },
    check: async (target) => {
      const customerId = await setupOf(target);
      if (isUnsupported(customerId)) return { ok: false, detail: customerId.unsupported };
      const leftOf = async () => {
        const left: number[] = [];
        for (const id of products) {
          const response = await target.client.request('GET', `/api/v1/products/${id}/inventory`);
          left.push((JSON.parse(response.body) as { quantity: number }).quantity);
        }
        return left;
      };
      // Orders that autocannon gave up on at the end of its run may still be committing: count
      // only once the stock stays the same from before the sold units are summed to after.
      for (let attempt = 1; ; attempt++) {
        const before = await leftOf();
        const sold = await unitsSold(target, customerId);
        if (isUnsupported(sold)) return { ok: false, detail: sold.unsupported };
        const left = await leftOf();
        if (left.join() !== before.join() && attempt < 20) {
          await sleep(500);
          continue;
        }
        const figures = products.map((id, index) => {
          const units = sold.units.get(String(id)) ?? 0;
          return {
            ok: units + left[index] === HOT_STOCK,
            text: `product ${id}: ${units} sold + ${left[index]} left = ${units + left[index]}`,
          };
        });
        return {
          ok: figures.every((figure) => figure.ok),
          detail: `${sold.orders} orders; ${figures.map((figure) => figure.text).join('; ')} (stocked ${HOT_STOCK} each)`,
        };
      }
    },
  };
}

/** The units of each product in a customer's orders, walking the newest-first list by cursor. */
async function unitsSold(
  target: Target,
  customerId: number,
): Promise<{ orders: number; units: Map<string, number> } | Unsupported> {
  const units = new Map<string, number>();
  let orders = 0;
  const first = `/api/v1/orders?customer_id=${customerId}&limit=100&include_total=false`;
  for (let path = first; ;) {
    const response = await target.client.request('GET', path);
    if (response.status !== 200) return { unsupported: `GET ${path} answered ${response.status}` };
    const page = JSON.parse(response.body) as {
      items: Array<{ lines: Array<{ product_id: number; quantity: number }> }>;
      next_cursor: string | null;
    };
    for (const item of page.items) {
      orders++;
      for (const line of item.lines) {
        const key = String(line.product_id);
        units.set(key, (units.get(key) ?? 0) + line.quantity);
      }
    }
    if (!page.next_cursor) return { orders, units };
    path = `${first}&cursor=${page.next_cursor}`;
  }
}
