/**
 * `npm run demo`: starts the built service (on the embedded PostgreSQL unless DATABASE_URL is
 * set) and, when the catalog holds no product, loads demo/products.csv through the import route.
 * A second start finds the catalog filled and loads nothing. Stops the service on Ctrl-C.
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
  }
  console.log(`Demo: open ${base}/docs and try GET /api/v1/products/search?q=ябълка`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
