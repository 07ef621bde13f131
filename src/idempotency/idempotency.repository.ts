import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { RequestScopedRepository } from '../common/request-context';
import { IdempotencyKey } from './idempotency-key.entity';

/** Keys are kept for 24 hours; a claim still in flight after a minute was abandoned by a dead process. */
const RETENTION = `interval '24 hours'`;
const ABANDONED = `interval '1 minute'`;
/** Claims of a key that is released each time before it can be read, before giving up. */
export const CLAIM_ATTEMPTS = 3;

/**
 * Claims and releases run outside the create's transaction (they must be seen by a retry at
 * once); the stored answer inside it (see IdempotencyInterceptor).
 */
@Injectable()
export class IdempotencyRepository extends RequestScopedRepository<IdempotencyKey> {
  constructor(@InjectRepository(IdempotencyKey) keys: Repository<IdempotencyKey>) {
    super(keys);
  }

  /**
   * Claims `key` for a new request, taking over an expired or abandoned claim; answers the stored
   * record instead when another request holds the key, and null when the key kept changing hands
   * (other requests claiming and releasing it): as good as in flight.
   */
  async claim(key: string, fingerprint: string): Promise<IdempotencyKey | null | undefined> {
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      const held = await this.tryClaim(key, fingerprint);
      // null: the holder released the key between our insert and our read; claim it again.
      if (held !== null) return held;
    }
    return null;
  }

  private async tryClaim(
    key: string,
    fingerprint: string,
  ): Promise<IdempotencyKey | null | undefined> {
    const claimed = await this.scoped.query<unknown[]>(
      `INSERT INTO idempotency_key (key, fingerprint) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = NULL,
         response = NULL, headers = NULL, created_at = now()
       WHERE idempotency_key.created_at < now() - ${RETENTION}
          OR (idempotency_key.status IS NULL AND idempotency_key.created_at < now() - ${ABANDONED})
       RETURNING key`,
      [key, fingerprint],
    );
    if (claimed.length > 0) return undefined;
    return this.scoped.findOneBy({ key });
  }

  /** Stores the first answer; within the request's transaction, so it commits with the create. */
  async complete(
    key: string,
    status: number,
    response: unknown,
    headers: Record<string, string>,
  ): Promise<void> {
    await this.scoped.update({ key }, { status, response: response as object, headers });
  }

  /** Gives up a claim whose request failed, so that a retry runs it again. */
  async release(key: string): Promise<void> {
    await this.scoped.delete({ key, status: IsNull() });
  }

  async deleteExpired(): Promise<void> {
    await this.scoped.query(`DELETE FROM idempotency_key WHERE created_at < now() - ${RETENTION}`);
  }
}
