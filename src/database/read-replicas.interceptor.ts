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
 * With DATABASE_READ_URLS, an unconditional read goes to a replica, but only to one that has
 * replayed the primary's WAL past every acknowledged write and holds at least the catalog version
 * they make: no acknowledged write is ever missing from its answer, and the version it is tagged
 * with is the replica's own. A conditional read (its ETag may come from
 * the primary) and every write stay on the primary; so does a read while no replica can serve.
 */
@Injectable()
export class ReadReplicasInterceptor implements NestInterceptor {
  private readonly logger = new Logger('ReadReplicas');

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
      const { version, replayed } = await this.versions.onReplica(runner.manager, primary.lsn);
      if (replayed && BigInt(version) >= BigInt(primary.version)) {
        this.metrics.replicaReads.inc({ target: 'replica' });
        return { runner, version };
      }
      this.metrics.replicaReads.inc({ target: 'primary_replica_behind' });
    } catch (error) {
      this.metrics.replicaReads.inc({ target: 'primary_replica_down' });
      this.logger.warn(`Reading from the primary, a replica failed: ${(error as Error).message}`);
    }
    await runner.release();
    return undefined;
  }
}

const isUnconditionalRead = (request: Request): boolean =>
  (request.method === 'GET' || request.method === 'HEAD') &&
  request.headers['if-none-match'] === undefined &&
  request.headers['if-match'] === undefined &&
  !isOperationsRoute(request.path);
