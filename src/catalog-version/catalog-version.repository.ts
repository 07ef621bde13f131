import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { CatalogVersionCounter } from './catalog-version.entity';

/** A catalog version, with the primary's WAL position when it was read. */
export interface CatalogPosition {
  version: string;
  lsn: string;
}

/** A replica's catalog version and how far it has replayed the primary's WAL. */
export interface ReplicaState {
  version: string;
  /** Whether it replays WAL at all (a streaming standby does). */
  standby: boolean;
  /** Whether it has replayed the primary's WAL up to the position asked about. */
  replayed: boolean;
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
   * The version a replica holds, and where it stands against the primary's WAL at `lsn`. Only a
   * streaming (physical) standby replays the primary's WAL, so only there do the LSNs compare and
   * row versions (`xmin`, behind every ETag) match the primary's. A server that replays no WAL
   * (pg_last_wal_replay_lsn() is null: a logical replica, a plain database) is reported as no
   * standby, never as replayed.
   */
  async onReplica(replica: EntityManager, lsn: string): Promise<ReplicaState> {
    const [state] = await replica.query<ReplicaState[]>(
      `SELECT sum(version)::text AS version,
         pg_last_wal_replay_lsn() IS NOT NULL AS standby,
         coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS replayed
       FROM catalog_version`,
      [lsn],
    );
    return state;
  }
}
