import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager, ObjectLiteral, QueryRunner, Repository } from 'typeorm';

/**
 * What one request has spent in the database so far, and the connection its queries use instead
 * of the pool's, if any: a replica it reads from, or the transaction an idempotent create's
 * writes join (see IdempotencyInterceptor).
 */
export interface RequestContext {
  statements: number;
  databaseMs: number;
  replica?: ReplicaRead;
  transaction?: EntityManager;
}

/** One replica connection, caught up with the catalog version it read. */
export interface ReplicaRead {
  runner: QueryRunner;
  version: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const currentRequestContext = (): RequestContext | undefined => storage.getStore();

/** Express middleware: everything the request does, down to its queries, sees its context. */
export function runInRequestContext(_request: unknown, _response: unknown, next: () => void): void {
  storage.run({ statements: 0, databaseMs: 0 }, next);
}

/**
 * The base of every repository of a feature: its TypeORM repository is reachable only as
 * `scoped`, on the request's own connection when it has one (the transaction an idempotent
 * create's writes join, the replica a read was routed to), so no method can write beside the
 * request's transaction by forgetting to ask for it.
 */
export abstract class RequestScopedRepository<T extends ObjectLiteral> {
  readonly #repository: Repository<T>;

  constructor(repository: Repository<T>) {
    this.#repository = repository;
  }

  protected get scoped(): Repository<T> {
    return scopedRepository(this.#repository);
  }
}

/**
 * Runs `work` with every repository of the request on `transaction`'s connection (outside a
 * request too, in a context of its own); the request's connection is restored afterwards.
 */
export async function joiningTransaction<T>(
  transaction: EntityManager,
  work: () => Promise<T>,
): Promise<T> {
  const context = storage.getStore();
  if (!context) return storage.run({ statements: 0, databaseMs: 0, transaction }, work);
  const previous = context.transaction;
  context.transaction = transaction;
  try {
    return await work();
  } finally {
    context.transaction = previous;
  }
}

/**
 * `repository`, on the request's own connection when it has one (its transaction, or the replica
 * it reads from); as it is when it is already bound to a transaction.
 */
function scopedRepository<T extends ObjectLiteral>(repository: Repository<T>): Repository<T> {
  const context = storage.getStore();
  const manager = context?.transaction ?? context?.replica?.runner.manager;
  return manager && !repository.queryRunner ? manager.getRepository(repository.target) : repository;
}
