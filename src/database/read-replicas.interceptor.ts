import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { concatMap, finalize, from, Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { CatalogVersionRepository } from '../catalog-version/catalog-version.repository';
import { CatalogVersion } from '../catalog-version/catalog-version.service';
import { currentRequestContext, ReplicaRead } from '../common/request-context';
import { CatalogMetrics } from '../metrics/catalog-metrics';
import { isOperationsRoute } from '../common/http/route';

/**
 * With DATABASE_READ_URLS, an unconditional read goes to a replica, but only to a streaming
 * standby of the primary that has replayed its WAL past every acknowledged write and holds at
 * least the catalog version they make: no acknowledged write is ever missing from its answer, the
 * version it is tagged with is the replica's own, and its row versions (`xmin`, behind product
 * and category ETags) are the primary's. A server that replays no WAL (a logical replica, a plain
 * database: its `xmin` values are its own) never serves. A conditional read (its ETag may come
 * from the primary) and every write stay on the primary; so does a read while no replica can serve.
 */
@Injectable()
export class ReadReplicasInterceptor implements NestInterceptor {
  private readonly logger = new Logger('ReadReplicas');
  private warnedNotStandby = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalogVersion: CatalogVersion,
    private readonly versions: CatalogVersionRepository,
    private readonly metrics: CatalogMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const scope = currentRequestContext();
    if (!scope || !isUnconditionalRead(request)) return next.handle();
    return from(this.caughtUpReplica()).pipe(
      concatMap((replica) => {
        if (!replica) return next.handle();
        scope.replica = replica;
        return next.handle().pipe(
          finalize(() => {
            scope.replica = undefined;
            void replica.runner.release();
          }),
        );
      }),
    );
  }

  private async caughtUpReplica(): Promise<ReplicaRead | undefined> {
    const primary = await this.catalogVersion.onPrimary();
    const runner = this.dataSource.createQueryRunner('slave');
    try {
      const { version, standby, replayed } = await this.versions.onReplica(
        runner.manager,
        primary.lsn,
      );
      if (!standby) {
        this.metrics.replicaReads.inc({ target: 'primary_not_standby' });
        this.warnNotStandby();
      } else if (replayed && BigInt(version) >= BigInt(primary.version)) {
        this.metrics.replicaReads.inc({ target: 'replica' });
        return { runner, version };
      } else {
        this.metrics.replicaReads.inc({ target: 'primary_replica_behind' });
      }
    } catch (error) {
      this.metrics.replicaReads.inc({ target: 'primary_replica_down' });
      this.logger.warn(`Reading from the primary, a replica failed: ${(error as Error).message}`);
    }
    await runner.release();
    return undefined;
  }

  /** Once per process: a misconfiguration, not an event of each request. */
  private warnNotStandby(): void {
    if (this.warnedNotStandby) return;
    this.warnedNotStandby = true;
    this.logger.warn(
      'Reading from the primary: a server in DATABASE_READ_URLS replays no WAL (not a streaming standby)',
    );
  }
}

const isUnconditionalRead = (request: Request): boolean =>
  (request.method === 'GET' || request.method === 'HEAD') &&
  request.headers['if-none-match'] === undefined &&
  request.headers['if-match'] === undefined &&
  !isOperationsRoute(request.path);
