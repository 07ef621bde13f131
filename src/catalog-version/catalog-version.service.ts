import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { currentRequestContext } from '../common/request-context';
import { DatabaseUrls } from '../database/database-urls';
import { SharedRedis } from '../redis/shared-redis';

const CHANNEL = 'catalog_version';
const RECONNECT_MS = 1_000;

/**
 * The catalog version, known without a query while a LISTEN connection hears every bump. Our own
 * writes forget it at once (the next read asks the database), so no answer after an acknowledged
 * write can carry the version from before it.
 *
 * Another replica's write is heard a moment after it is acknowledged, too late for a client that
 * asks us right after. So with Redis every write also replaces a shared change token before its
 * answer goes out, and the version known here holds only while that token is the one it was
 * read under. A random token never comes back, so a Redis that lost its data cannot revive an
 * old one; while Redis cannot tell, every read asks the database.
 */
@Injectable()
export class CatalogVersion implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CatalogVersion');
  private readonly redis?: Redis;
  private readonly changeKey: string;
  private listener?: Client;
  private listening = false;
  private known?: bigint;
  /** The shared change token `known` was read under ('' without Redis). */
  private knownChange = '';
  /** The highest version announced so far: committed, so never newer than the database. */
  private lastHeard = 0n;
  /** Bumped by every invalidation, so that a read started before it cannot store its stale answer. */
  private generation = 0;
  private stopped = false;
  private reconnect?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    sharedRedis: SharedRedis,
    private readonly databases: DatabaseUrls,
  ) {
    this.redis = sharedRedis.client;
    this.changeKey = `catalog-service:${new URL(databases.primary).pathname}:change`;
  }

  /** The version a read is tagged with: the replica's own when the request reads from one. */
  async current(): Promise<string> {
    const replica = currentRequestContext()?.replica;
    if (replica) return replica.version;
    const change = await this.sharedChange();
    if (this.listening && this.known !== undefined && change === this.knownChange)
      return this.known.toString();
    const generation = this.generation;
    const [{ version }] = await this.dataSource.query<Array<{ version: string }>>(
      'SELECT version FROM catalog_version WHERE id = 1',
    );
    if (this.listening && generation === this.generation && change !== undefined) {
      const read = BigInt(version);
      this.known = read > this.lastHeard ? read : this.lastHeard;
      this.knownChange = change;
    }
    return version;
  }

  /** Called after every write of ours, before its answer: every replica's next read asks the database. */
  async changed(): Promise<void> {
    this.invalidate();
    try {
      await this.redis?.set(this.changeKey, randomUUID());
    } catch (error) {
      this.logger.warn(
        `Cannot share a catalog change; other replicas learn of it by NOTIFY: ${(error as Error).message}`,
      );
    }
  }

  onApplicationBootstrap(): Promise<void> {
    return this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnect);
    await this.listener?.end().catch(() => undefined);
  }

  private invalidate(): void {
    this.generation++;
    this.known = undefined;
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

  /**
   * A notification only raises a version read from the database since the last invalidation: one
   * from before our own write may still be on its way and must not stand in for a fresh read.
   */
  private heard(version: bigint): void {
    if (version > this.lastHeard) this.lastHeard = version;
    if (this.known !== undefined && version > this.known) this.known = version;
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.databases.primary,
      application_name: 'catalog-service-listener',
    });
    const lost = () => {
      if (this.listener !== client) return;
      this.listening = false;
      this.invalidate();
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (!this.stopped)
        this.reconnect = setTimeout(() => void this.listen(), RECONNECT_MS).unref();
    };
    this.listener = client;
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.heard(BigInt(message.payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listening = true;
    } catch (error) {
      this.logger.warn(
        `Cannot listen for catalog changes, asking the database instead: ${(error as Error).message}`,
      );
      lost();
    }
  }
}
