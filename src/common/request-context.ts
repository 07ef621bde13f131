import { AsyncLocalStorage } from 'node:async_hooks';
import type { ObjectLiteral, QueryRunner, Repository } from 'typeorm';

/** What one request has spent in the database so far, and the replica it reads from, if any. */
export interface RequestContext {
  statements: number;
  databaseMs: number;
  replica?: ReplicaRead;
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

/** `repository`, on the replica connection when this request reads from one. */
export function readRepository<T extends ObjectLiteral>(repository: Repository<T>): Repository<T> {
  const replica = storage.getStore()?.replica;
  return replica && !repository.queryRunner
    ? replica.runner.manager.getRepository(repository.target)
    : repository;
}
