import { QueryFailedError } from 'typeorm';
import {
  isDatabaseUnavailable,
  isUniqueViolation,
  retryTransientConflicts,
} from './database-errors';
import { classify } from './problem-details';

const driverError = (fields: Record<string, string>) =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error('driver text'), fields));

describe('database errors', () => {
  it('should retry deadlocks and serialization failures, then give up with the last error', async () => {
    let calls = 0;
    const result = await retryTransientConflicts(() => {
      calls++;
      if (calls < 3) throw driverError({ code: calls === 1 ? '40P01' : '40001' });
      return Promise.resolve('done');
    });
    expect([result, calls]).toEqual(['done', 3]);

    calls = 0;
    const deadlock = driverError({ code: '40P01' });
    await expect(
      retryTransientConflicts(() => {
        calls++;
        return Promise.reject(deadlock);
      }),
    ).rejects.toBe(deadlock);
    expect(calls).toBe(3);
    expect(classify(deadlock)).toMatchObject({ code: 'database_unavailable' });
  });

  it('should not retry other errors', async () => {
    let calls = 0;
    const unique = driverError({ code: '23505', constraint: 'product_sku_unique' });
    await expect(
      retryTransientConflicts(() => {
        calls++;
        return Promise.reject(unique);
      }),
    ).rejects.toBe(unique);
    expect(calls).toBe(1);
    expect(isUniqueViolation(unique, 'product_sku_unique')).toBe(true);
    expect(isUniqueViolation(unique, 'other')).toBe(false);
  });

  it.each([
    [{ code: 'ECONNREFUSED' }, true],
    [{ code: '57P01' }, true],
    [{ code: '08006' }, true],
    [{ code: '57014' }, true],
    [{ code: '23505' }, false],
    [{ code: '42P01' }, false],
  ])('should tell whether %p means the database is unavailable', (fields, unavailable) => {
    expect(isDatabaseUnavailable(driverError(fields))).toBe(unavailable);
  });

  it('should classify the client-side query timeout of pg as the database being unavailable', () => {
    // pg rejects with a bare Error (no code) when query_timeout passes without an answer.
    const timeout = new QueryFailedError('SELECT 1', [], new Error('Query read timeout'));
    expect(isDatabaseUnavailable(timeout)).toBe(true);
    expect(classify(timeout)).toMatchObject({ code: 'database_unavailable' });
    expect(classify(timeout).detail).not.toMatch(/timeout/i);
    const closed = new Error('Client was closed and is not queryable');
    expect(isDatabaseUnavailable(new QueryFailedError('ROLLBACK', [], closed))).toBe(true);
  });

  it('should classify unknown errors as a generic 500 without their text', () => {
    expect(classify(new Error('relation "x" does not exist'))).toEqual({
      code: 'internal_error',
      detail: 'An unexpected error occurred.',
    });
  });
});
