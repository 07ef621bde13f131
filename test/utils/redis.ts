import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';

/** Whether a Redis answers at `url`; empties that Redis database when it does. */
export async function freshRedis(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.flushdb();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Connects to the Redis at argv[1] with the ioredis at argv[2]; exits 0 once it answers PING. */
const PROBE = `
const Redis = require(process.argv[2]);
const redis = new Redis(process.argv[1], {
  lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 2000,
});
redis.on('error', () => undefined);
redis.connect().then(() => redis.ping()).then(() => process.exit(0), () => process.exit(1));
`;

/**
 * Whether a Redis answers PING at `url`, asked synchronously (from a child process): a spec file
 * can then choose `describe` or `describe.skip` while it declares its tests, so that jest reports
 * them as skipped rather than passed.
 */
export function redisAnswers(url: string): boolean {
  const probe = spawnSync(process.execPath, ['-e', PROBE, url, require.resolve('ioredis')], {
    stdio: 'ignore',
    timeout: 5_000,
  });
  return probe.status === 0;
}
