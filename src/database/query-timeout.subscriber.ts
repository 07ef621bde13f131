import type { Client } from 'pg';
import { AfterQueryEvent, EntitySubscriberInterface, EventSubscriber } from 'typeorm';
import { isQueryReadTimeout } from '../common/errors/database-errors';

/**
 * A statement whose query_timeout passed is still on its connection, yet TypeORM hands that
 * connection back to the pool as healthy: later statements on it would queue behind the stuck one,
 * and once the server answers again a timed-out BEGIN would leave it inside a transaction that
 * later writes join and nobody commits (acknowledged creates, lost when the connection closes).
 * So the connection is closed at once; the pool drops it on release and opens a fresh one.
 */
@EventSubscriber()
export class QueryTimeoutSubscriber implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent): void {
    if (!isQueryReadTimeout(event.error)) return;
    // The query runner's pg client, which TypeORM keeps protected.
    const { databaseConnection } = event.queryRunner as unknown as {
      databaseConnection?: Pick<Client, 'end'>;
    };
    databaseConnection?.end().catch(() => undefined);
  }
}
