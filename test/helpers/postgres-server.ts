import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Debian's PostgreSQL binaries (`apt-get install postgresql`, as .ci/run does). */
const PG_ROOT = '/usr/lib/postgresql';
const BIN = existsSync(PG_ROOT)
  ? readdirSync(PG_ROOT)
      .map((version) => join(PG_ROOT, version, 'bin'))
      .find((bin) => existsSync(join(bin, 'postgres')))
  : undefined;
export const HAS_POSTGRES = BIN !== undefined;

/**
 * A throwaway PostgreSQL cluster on a loopback port: initdb into a temp folder, password auth,
 * no fsync. PostgreSQL refuses to run as root, so under root it runs as the `postgres` user.
 */
export class PostgresServer {
  #child: ChildProcess | undefined;
  readonly #dir = mkdtempSync(join(tmpdir(), 'switchyard-pg-'));
  readonly password = 'pg-SECRET-password-7';

  constructor(readonly port: number) {}

  get url(): string {
    return `postgres://switchyard:${this.password}@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    const bin = BIN as string;
    const asPostgres = process.getuid?.() === 0 ? postgresUser() : undefined;
    chmodSync(this.#dir, 0o777);
    const pwfile = join(this.#dir, 'pw');
    writeFileSync(pwfile, this.password);
    chmodSync(pwfile, 0o644);
    const data = join(this.#dir, 'data');
    execFileSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'switchyard', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8'],
      { stdio: 'ignore', ...asPostgres },
    );
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(this.port), '-h', '127.0.0.1', '-k', this.#dir, '-c', 'fsync=off'],
      { stdio: 'ignore', ...asPostgres },
    );
    this.#child = child;
    const deadline = Date.now() + 15_000;
    while (!ready(this.port)) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`postgres on port ${this.port} did not start`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGCONT');
      child.kill('SIGQUIT'); // immediate shutdown
      await exited;
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  freeze(): void {
    this.#child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.#child?.kill('SIGCONT');
  }
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  return { uid: id('-u'), gid: id('-g') };
}

/** Whether the server accepts connections (pg_isready exits 0 once it is out of start-up). */
function ready(port: number): boolean {
  try {
    execFileSync(join(BIN as string, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
