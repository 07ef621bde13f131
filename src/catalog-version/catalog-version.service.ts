import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { currentRequestContext } from '../common/request-context';
import { SharedRedis } from '../redis/redis.module';
import { CatalogPosition, CatalogVersionRepository } from './catalog-version.repository';

/** How long a version read from the database may answer reads without asking again. */
const KNOWN_FOR_MS = 1_000;

/**
 * The catalog version behind list, search and tree ETags, known without a query for up to a
 * second. Our own writes forget it before they answer, so no answer after an acknowledged write
 * carries the version from before it. With Redis, every write also replaces a shared change
 * token before answering, and a known version holds only while the token it was read under does:
 * so the same goes for every other replica's writes. While Redis cannot tell, reads ask the
 * database; a write that cannot replace the token waits out every kept version before answering.
 * Since kept versions expire within a second anyway, a Redis that loses its last writes, or a
 * write made outside the service, is seen within that second.
 */
@Injectable()
export class CatalogVersion {
  private readonly logger = new Logger('CatalogVersion');
  private readonly redis?: Redis;
  private readonly changeKey: string;
  /** The change token is '' without Redis. */
  private known?: CatalogPosition & { change: string; until: number };
  /** Bumped by every write of ours, so that a read started before it cannot store its stale answer. */
  private generation = 0;

  constructor(
    private readonly versions: CatalogVersionRepository,
    sharedRedis: SharedRedis,
    dataSource: DataSource,
  ) {
    this.redis = sharedRedis.client;
    this.changeKey = `catalog-service:${dataSource.driver.database}:change`;
  }

  /** How many writes this instance has acknowledged so far. */
  get writes(): number {
    return this.generation;
  }

  /** The version a read is tagged with: the replica's own when the request reads from one. */
  async current(): Promise<string> {
    return currentRequestContext()?.replica?.version ?? (await this.onPrimary()).version;
  }

  /** The primary's version, at least as new as every write acknowledged so far. */
  async onPrimary(): Promise<CatalogPosition> {
    const change = await this.sharedChange();
    const known = this.known;
    if (known && known.change === change && performance.now() < known.until) return known;
    const generation = this.generation;
    const until = performance.now() + KNOWN_FOR_MS;
    const position = await this.versions.onPrimary();
    if (generation === this.generation && change !== undefined)
      this.known = { ...position, change, until };
    return position;
  }

  /** Called after every write of ours, before its answer: every replica's next read asks the database. */
  async changed(): Promise<void> {
    this.generation++;
    this.known = undefined;
    try {
      await this.redis?.set(this.changeKey, randomUUID());
    } catch (error) {
      // Every version another replica keeps was read before this write committed, and expires
      // within KNOWN_FOR_MS: answering after that is never followed by a stale answer.
      this.logger.warn(
        `Cannot share a catalog change, answering in a second: ${(error as Error).message}`,
      );
      await new Promise((resolve) => setTimeout(resolve, KNOWN_FOR_MS));
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
