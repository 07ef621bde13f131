import { AsyncLocalStorage } from 'node:async_hooks';

/** What one request has spent in the database so far. */
export interface RequestContext {
  statements: number;
  databaseMs: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const currentRequestContext = (): RequestContext | undefined => storage.getStore();

/** Express middleware: everything the request does, down to its queries, sees its context. */
export function runInRequestContext(_request: unknown, _response: unknown, next: () => void): void {
  storage.run({ statements: 0, databaseMs: 0 }, next);
}
