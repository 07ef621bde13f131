import { resolve } from 'node:path';
import { ConfigError, validateConfig } from './configuration';

describe('validateConfig', () => {
  it('should apply the defaults when nothing is set', () => {
    const config = validateConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      DB_POOL_SIZE: 10,
      DB_RUN_MIGRATIONS: true,
      DB_QUERY_TIMEOUT_MS: 12_000,
      LOG_LEVEL: 'info',
      EMBEDDED_PG_DIR: resolve('.data', 'postgres'),
      RATE_LIMIT_PER_MINUTE: 1200,
      TRUST_PROXY: false,
      RESULT_CACHE_ENTRIES: 1000,
      RESULT_CACHE_MAX_BYTES: 32 * 1024 * 1024,
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('should read typed values from strings', () => {
    const config = validateConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/catalog',
      DATABASE_READ_URLS: 'postgres://u:p@replica-1/catalog, postgres://u:p@replica-2/catalog',
      DB_POOL_SIZE: '25',
      DB_RUN_MIGRATIONS: 'false',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      DATABASE_READ_URLS: ['postgres://u:p@replica-1/catalog', 'postgres://u:p@replica-2/catalog'],
      PORT: 8080,
      DATABASE_URL: 'postgres://u:p@db:5432/catalog',
      DB_POOL_SIZE: 25,
      DB_RUN_MIGRATIONS: false,
      LOG_LEVEL: 'debug',
    });
  });

  it.each([
    ['false', false],
    ['2', 2],
    ['loopback', 'loopback'],
    ['loopback, 10.0.0.0/8,fd00::/8, 192.0.2.1', 'loopback, 10.0.0.0/8,fd00::/8, 192.0.2.1'],
  ])('should read TRUST_PROXY=%s as Express takes it', (value, expected) => {
    expect(validateConfig({ TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it.each([
    ['PORT', 'eighty', 'must be an integer'],
    ['PORT', '70000', 'PORT=70000 must be between 0 and 65535'],
    ['DB_POOL_SIZE', '0', 'DB_POOL_SIZE=0 must be between 1 and 200'],
    ['DB_QUERY_TIMEOUT_MS', '0', 'DB_QUERY_TIMEOUT_MS=0 must be at least 1'],
    [
      'DATABASE_URL',
      'mysql://x',
      'DATABASE_URL="mysql://x" must be a postgres:// or postgresql:// URL',
    ],
    [
      'DATABASE_READ_URLS',
      'postgres://replica/catalog,replica-2',
      'must be comma-separated postgres:// or postgresql:// URLs',
    ],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL="loud" must be one of'],
    ['DB_RUN_MIGRATIONS', 'maybe', 'DB_RUN_MIGRATIONS="maybe" must be true or false'],
    ['TRUST_PROXY', 'true', 'TRUST_PROXY="true" must be false, a hop count, or comma-separated'],
    ['TRUST_PROXY', 'loopback,ingress', 'CIDR ranges and loopback, linklocal, uniquelocal'],
    ['TRUST_PROXY', '10.0.0.0/33', 'TRUST_PROXY="10.0.0.0/33" must be false'],
    ['TRUST_PROXY', '-1', 'must be false, a hop count'],
    ['RESULT_CACHE_MAX_BYTES', '-1', 'RESULT_CACHE_MAX_BYTES=-1 must be between 0 and 4294967296'],
    ['RESULT_CACHE_MAX_BYTES', '32MiB', 'must be an integer'],
  ])('should refuse %s=%s naming the variable and the problem', (name, value, message) => {
    expect(() => validateConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => validateConfig({ [name]: value })).toThrow(`${name}=`);
    expect(() => validateConfig({ [name]: value })).toThrow(message);
  });
});
