import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { CatalogVersionCounter } from './catalog-version.entity';

/** A catalog version, with the primary's WAL position when it was read. */
export interface CatalogPosition {
  version: string;
  lsn: string;
}

@Injectable()
export class CatalogVersionRepository {
  constructor(
    @InjectRepository(CatalogVersionCounter)
    private readonly counters: Repository<CatalogVersionCounter>,
  ) {}

  /**
   * The version on the primary: the sum of the counters writes bump. The WAL insert position read
   * with it is past the commit record of every write the sum includes.
   */
  async onPrimary(): Promise<CatalogPosition> {
    const [position] = await this.counters.query<CatalogPosition[]>(
      `SELECT sum(version)::text AS version, pg_current_wal_insert_lsn()::text AS lsn
       FROM catalog_version`,
    );
    return position;
  }

  /**
   * The version a replica holds, and whether it has replayed the primary's WAL up to `lsn`. A
   * server that replays no WAL (a logical replica, say) can only be judged by its version.
   */
  async onReplica(
    replica: EntityManager,
    lsn: string,
  ): Promise<{ version: string; replayed: boolean }> {
    const [state] = await replica.query<Array<{ version: string; replayed: boolean }>>(
      `SELECT sum(version)::text AS version,
         coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, true) AS replayed
       FROM catalog_version`,
      [lsn],
    );
    return state;
  }
}
