import { Injectable, Logger } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { currentRequestContext } from '../common/request-context';
import { DatabaseUrls } from '../database/database-urls';
import { SharedRedis } from '../redis/shared-redis';

/** How long a version read from the database may answer reads without asking again. */
const KNOWN_FOR_MS = 1_000;

/** The catalog version as `manager`'s database sees it: the sum of the counters writes bump. */
export async function readCatalogVersion(manager: EntityManager): Promise<string> {
  const [{ version }] = await manager.query<Array<{ version: string }>>(
    'SELECT sum(version)::text AS version FROM catalog_version',
  );
  return version;
}

/**
 * The catalog version behind list, search and tree ETags, known without a query for up to a
 * second. Our own writes forget it before they answer, so no answer after an acknowledged write
 * carries the version from before it. With Redis, every write also replaces a shared change
 * token before answering, and a known version holds only while the token it was read under does:
 * so the same goes for every other replica's writes. A random token never comes back, so a Redis
 * that lost its data cannot revive an old one; while Redis cannot tell, reads ask the database.
 * A write made outside the service is seen within the second.
 */
@Injectable()
export class CatalogVersion {
  private readonly logger = new Logger('CatalogVersion');
  private readonly redis?: Redis;
  private readonly changeKey: string;
  /** The change token is '' without Redis. */
  private known?: { version: string; change: string; until: number };
  /** Bumped by every write of ours, so that a read started before it cannot store its stale answer. */
  private generation = 0;

  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    sharedRedis: SharedRedis,
    databases: DatabaseUrls,
  ) {
    this.redis = sharedRedis.client;
    this.changeKey = `catalog-service:${new URL(databases.primary).pathname}:change`;
  }

  /** The version a read is tagged with: the replica's own when the request reads from one. */
  async current(): Promise<string> {
    const replica = currentRequestContext()?.replica;
    if (replica) return replica.version;
    const change = await this.sharedChange();
    const known = this.known;
    if (known && known.change === change && performance.now() < known.until) return known.version;
    const generation = this.generation;
    const until = performance.now() + KNOWN_FOR_MS;
    const version = await readCatalogVersion(this.manager);
    if (generation === this.generation && change !== undefined)
      this.known = { version, change, until };
    return version;
  }

  /** Called after every write of ours, before its answer: every replica's next read asks the database. */
  async changed(): Promise<void> {
    this.generation++;
    this.known = undefined;
    try {
      await this.redis?.set(this.changeKey, randomUUID());
    } catch (error) {
      this.logger.warn(
        `Cannot share a catalog change; other replicas see it within a second: ${(error as Error).message}`,
      );
    }
  }

  /**
   * The shared change token: '' without Redis; undefined when Redis cannot tell, or holds none
   * yet (then a fresh one is set, so that the next reads can use what they learn).
   */
  private async sharedChange(): Promise<string | undefined> {
    if (!this.redis) return '';
    try {
      const change = await this.redis.get(this.changeKey);
      if (change === null) await this.redis.set(this.changeKey, randomUUID(), 'NX');
      return change ?? undefined;
    } catch {
      return undefined;
    }
  }
}
