import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  validateSync,
} from 'class-validator';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { LOG_LEVELS, type LogLevel } from '../common/logging/logger.module';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const normalised = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalised)) return true;
  if (['false', '0', 'no'].includes(normalised)) return false;
  return value;
};

const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

const toTrustProxy = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === 'false') return false;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
};

/** An address, an address/prefix-length range, or one of proxy-addr's range names. */
const isProxyRange = (entry: string): boolean => {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return (
    prefix === undefined ||
    (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128))
  );
};

/**
 * Every setting the service reads from the environment, with its default.
 * Validated once at start-up; a bad value stops the process with a message naming it.
 */
export class AppConfig {
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0, { message: 'must be between 0 and 65535' })
  @Max(65535, { message: 'must be between 0 and 65535' })
  PORT = 3000;

  @IsOptional()
  @IsString()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  /** Streaming standbys of the primary, comma-separated: unconditional reads go there once they have caught up. */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.split(',').map((url) => url.trim()) : value,
  )
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    each: true,
    message: 'must be comma-separated postgres:// or postgresql:// URLs',
  })
  DATABASE_READ_URLS?: string[];

  @IsString()
  @Matches(/\S/, { message: 'must not be empty' })
  EMBEDDED_PG_DIR = resolve('.data', 'postgres');

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 65535' })
  @Max(65535, { message: 'must be between 1 and 65535' })
  EMBEDDED_PG_PORT = 5433;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 200' })
  @Max(200, { message: 'must be between 1 and 200' })
  DB_POOL_SIZE = 10;

  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  DB_RUN_MIGRATIONS = true;

  /** Longest a statement may run before PostgreSQL cancels it (the request answers 503). */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  DB_STATEMENT_TIMEOUT_MS = 10_000;

  /**
   * Longest the service waits for any answer to a statement before answering 503, for a database
   * that accepts connections but answers nothing (frozen, partitioned): the server's statement
   * timeout cannot fire then. Keep it above DB_STATEMENT_TIMEOUT_MS, so that a healthy but slow
   * server still cancels the statement itself and nothing runs on after the request gave up.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  DB_QUERY_TIMEOUT_MS = 12_000;

  /** Longest a request waits for a pooled connection (or a new one) before answering 503. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  DB_POOL_TIMEOUT_MS = 3_000;

  /** Requests slower than this are logged as a warning. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  SLOW_REQUEST_MS = 200;

  /** After SIGTERM, how long readiness answers 503 before the listener closes, so balancers drain. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0, { message: 'must be between 0 and 60000' })
  @Max(60_000, { message: 'must be between 0 and 60000' })
  SHUTDOWN_DRAIN_MS = 1_000;

  /** List and search results kept per catalog version (see ResultCache); 0 turns the cache off. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0, { message: 'must be between 0 and 100000' })
  @Max(100_000, { message: 'must be between 0 and 100000' })
  RESULT_CACHE_ENTRIES = 1_000;

  /**
   * Bytes the result cache may hold, as ResultCache counts them (never less than the memory its
   * results take); a result larger than this is not kept. 0 turns the cache off.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0, { message: 'must be between 0 and 4294967296' })
  @Max(2 ** 32, { message: 'must be between 0 and 4294967296' })
  RESULT_CACHE_MAX_BYTES = 32 * 1024 * 1024;

  /** Requests per client address per minute; 0 turns rate limiting off. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0, { message: 'must be 0 or more' })
  RATE_LIMIT_PER_MINUTE = 1_200;

  /**
   * Express's `trust proxy`: false, a hop count, or a comma-separated list of the proxies whose
   * X-Forwarded-For names the client (the address rate limiting and logs use). `true` is refused:
   * every client could then choose its own address, and with it a fresh budget.
   */
  @Transform(toTrustProxy)
  @ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) =>
        value === false ||
        (typeof value === 'number' && Number.isSafeInteger(value)) ||
        (typeof value === 'string' &&
          value.split(',').every((entry) => isProxyRange(entry.trim()))),
      defaultMessage: () =>
        `must be false, a hop count, or comma-separated addresses, CIDR ranges and ${PROXY_RANGE_NAMES.join(', ')} (not true: any client could then choose its address)`,
    },
  })
  TRUST_PROXY: false | number | string = false;

  /** Shared state for replicas: rate-limit budgets and the catalog change token. */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Origins allowed to call the API from a browser, comma-separated; unset turns CORS off. */
  @IsOptional()
  @Matches(/^\S+$/, { message: 'must be a comma-separated list of origins without spaces' })
  CORS_ORIGINS?: string;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';
}

export class ConfigError extends Error {}

/** Builds the validated configuration from an environment; throws a ConfigError naming every bad variable. */
export function validateConfig(env: Record<string, unknown>): AppConfig {
  const present = Object.fromEntries(
    Object.keys(new AppConfig())
      .concat('DATABASE_URL', 'DATABASE_READ_URLS', 'REDIS_URL', 'CORS_ORIGINS')
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const config = plainToInstance(AppConfig, present);
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const lines = errors.map(
      (error) =>
        `${error.property}=${JSON.stringify(error.value)} ${[...new Set(Object.values(error.constraints ?? {}))].join('; ')}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return config;
}
