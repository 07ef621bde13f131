import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

const CHANNEL = 'catalog_version';
const RECONNECT_MS = 1_000;

/**
 * The catalog version, known without a query while a LISTEN connection hears every bump. Our own
 * writes forget it at once (the next read asks the database), so no answer after an acknowledged
 * write can carry the version from before it.
 */
@Injectable()
export class CatalogVersion implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CatalogVersion');
  private listener?: Client;
  private listening = false;
  private known?: bigint;
  /** The highest version announced so far: committed, so never newer than the database. */
  private lastHeard = 0n;
  /** Bumped by every invalidation, so that a read started before it cannot store its stale answer. */
  private generation = 0;
  private stopped = false;
  private reconnect?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async current(): Promise<string> {
    if (this.listening && this.known !== undefined) return this.known.toString();
    const generation = this.generation;
    const [{ version }] = await this.dataSource.query<Array<{ version: string }>>(
      'SELECT version FROM catalog_version WHERE id = 1',
    );
    if (this.listening && generation === this.generation && this.known === undefined) {
      const read = BigInt(version);
      this.known = read > this.lastHeard ? read : this.lastHeard;
    }
    return version;
  }

  /** Called after every write of ours: the next read asks the database. */
  invalidate(): void {
    this.generation++;
    this.known = undefined;
  }

  onApplicationBootstrap(): Promise<void> {
    return this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnect);
    await this.listener?.end().catch(() => undefined);
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
    const { url } = this.dataSource.options as { url: string };
    const client = new Client({
      connectionString: url,
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
