import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const HAS_REDIS = existsSync(REDIS_SERVER);

/** A redis-server child on a loopback port, without persistence; start() waits until it answers. */
export class RedisServer {
  #child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    readonly password: string,
  ) {}

  async start(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        this.password,
      ],
      {
        stdio: 'ignore',
      },
    );
    this.#child = child;
    const deadline = Date.now() + 5_000;
    while (!(await answers(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`redis-server on port ${this.port} did not start`);
      await sleep(25);
    }
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT'); // in case a test left it frozen
    child.kill('SIGKILL');
    await exited;
  }

  freeze(): void {
    this.#child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.#child?.kill('SIGCONT');
  }
}

/** Whether something on the port speaks RESP (any reply, even NOAUTH, means it is up). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^[+-]/.test(data.toString())));
  });
}

export { freePort } from './ports.ts';
