/**
 * `npm run demo`: starts the built service (on the embedded PostgreSQL unless DATABASE_URL is
 * set) and, when the catalog holds no product, loads demo/products.csv through the import route,
 * then the store of demo/store.json (customers, reviews, orders) through the API. A second start
 * finds the catalog filled and loads nothing. Stops the service on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const port = process.env.PORT ?? '3000';
const base = `http://localhost:${port}`;

async function waitForHealth(): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`The service did not become healthy on ${base}`);
}

interface Store {
  customers: Array<{ email: string; name: string }>;
  reviews: Array<{ sku: string; email: string; rating: number; title: string; body: string }>;
  orders: Array<{
    email: string;
    lines: Array<{ sku: string; quantity: number }>;
    status: string;
  }>;
}

/** The moves that take a new (pending) order to `status`. */
const PATHS: Record<string, string[]> = {
  pending: [],
  paid: ['paid'],
  shipped: ['paid', 'shipped'],
  delivered: ['paid', 'shipped', 'delivered'],
  cancelled: ['cancelled'],
};

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Customers, reviews and orders of demo/store.json; what the API refuses is counted, not fatal. */
async function loadStore(): Promise<void> {
  const store = JSON.parse(readFileSync(join(__dirname, 'store.json'), 'utf8')) as Store;
  const customers = new Map<string, { id: number; name: string }>();
  for (const customer of store.customers) {
    const response = await call('POST', '/api/v1/customers', customer);
    if (response.ok)
      customers.set(customer.email, (await response.json()) as { id: number; name: string });
  }
  const products = new Map<string, number>();
  const productId = async (sku: string) => {
    if (!products.has(sku)) {
      const found = (await (
        await call('GET', `/api/v1/products/search?q=${sku}&include_inactive=true`)
      ).json()) as { items: Array<{ id: number }> };
      products.set(sku, found.items[0]?.id ?? 0);
    }
    return products.get(sku)!;
  };
  let reviews = 0;
  for (const review of store.reviews) {
    const customer = customers.get(review.email);
    const response = await call('POST', `/api/v1/products/${await productId(review.sku)}/reviews`, {
      rating: review.rating,
      title: review.title,
      body: review.body,
      customer_id: customer?.id,
      author: customer?.name ?? 'Guest',
    });
    if (response.ok) reviews++;
  }
  let orders = 0;
  for (const order of store.orders) {
    const lines = [];
    for (const line of order.lines)
      lines.push({ product_id: await productId(line.sku), quantity: line.quantity });
    const placed = await call('POST', '/api/v1/orders', {
      customer_id: customers.get(order.email)?.id,
      lines,
    });
    if (!placed.ok) continue; // an inactive product, or one out of stock
    const { id } = (await placed.json()) as { id: number };
    for (const status of PATHS[order.status] ?? [])
      await call('PATCH', `/api/v1/orders/${id}`, { status });
    orders++;
  }
  console.log(
    `Demo: loaded demo/store.json: ${customers.size} customers, ${reviews} reviews, ${orders} orders`,
  );
}

async function main(): Promise<void> {
  const service = spawn(process.execPath, [join(__dirname, '..', 'dist', 'src', 'main.js')], {
    stdio: 'inherit',
    env: { ...process.env, PORT: port },
  });
  const stop = () => service.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  service.on('exit', (code) => process.exit(code ?? 0));

  await waitForHealth();
  const page = (await (
    await fetch(`${base}/api/v1/products?limit=1&include_inactive=true`)
  ).json()) as { total: number };
  if (page.total > 0) {
    console.log(`Demo: the catalog already holds ${page.total} products; nothing loaded.`);
  } else {
    const response = await fetch(`${base}/api/v1/products/import`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv' },
      body: readFileSync(join(__dirname, 'products.csv')),
    });
    console.log(`Demo: loaded demo/products.csv: ${response.status} ${await response.text()}`);
    if (response.ok) await loadStore();
  }
  console.log(`Demo: open ${base}/docs and try GET /api/v1/products/search?q=ябълка`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
