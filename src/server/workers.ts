// WORKERS=N (N > 1): this process becomes the primary of N worker processes (node:cluster) that
// share its port; the primary serves no HTTP. It restarts a worker that dies, drains them all on
// SIGTERM/SIGINT, relays SIGHUP (key file reloads) and relays `/metrics` scrapes so that any worker
// answers with the sum over all of them. With WORKERS=1 none of this runs and node:cluster is
// never loaded.
import type { Worker } from 'node:cluster';
import { isObject } from '../formats/common/json.ts';
import type { MetricsSnapshot } from '../observability/metrics.ts';
import { type Logger, stdoutDestination } from '../observability/logger.ts';

/** Set by the primary on each worker it forks; read and removed by `workerRole()`. */
const ROLE_VARIABLE = 'SWITCHYARD_WORKER';

/** Messages between the primary and its workers (JSON over the cluster's IPC channel). */
const ANNOUNCE = 'switchyard:announce';
const SCRAPE = 'switchyard:scrape';
const SCRAPED = 'switchyard:scraped';
const COLLECT = 'switchyard:collect';
const COLLECTED = 'switchyard:collected';

/**
 * A worker dead before it listened, or within this long after, counts as a quick exit: it is
 * restarted after a backoff. (Counted from listening, so a slow start does not hide a crash at start.)
 */
const QUICK_EXIT_MS = 5_000;
/** So many quick exits of one worker in a row, and the primary gives up: the gateway cannot run. */
const MAX_QUICK_EXITS = 5;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 5_000;
/** How long the primary waits for every worker's metrics before answering with those it has. */
const COLLECT_TIMEOUT_MS = 2_000;
/** How long a worker waits for the primary's answer to a scrape. */
const SCRAPE_TIMEOUT_MS = 5_000;

/** Who a worker is: its number (1…count, kept across restarts), the count, and whether it prints the start-up line. */
export interface WorkerRole {
  id: number;
  count: number;
  /** The first worker's first start: it prints the start-up line (or banner) and warnings, once all listen. */
  announce: boolean;
  /** The command line arguments the primary was given. */
  args: string[];
}

/** In a worker forked by the primary: its role, and the variable is removed so the configuration never sees it. */
export function workerRole(): WorkerRole | undefined {
  const value = process.env[ROLE_VARIABLE];
  if (value === undefined || process.send === undefined) return undefined;
  delete process.env[ROLE_VARIABLE];
  const [id = 0, count = 0, announce = 0, argc = 0] = value.split(':').map(Number);
  // The primary's arguments are the last `argc` ones: a single executable's worker gets the
  // executable's path inserted before them, a bundle's gets the script's.
  return { id, count, announce: announce === 1, args: argc === 0 ? [] : process.argv.slice(-argc) };
}

/** What a pipe writes without interleaving another writer's bytes (Linux's PIPE_BUF). */
const PIPE_BUF = 4096;

/**
 * A worker's stdout, which every worker shares: each write holds whole log lines and at most
 * PIPE_BUF bytes (of ASCII), which a pipe never interleaves with another worker's write (a longer
 * single line may be). Measured, one run each: of 8,013 lines from 2 workers through a full pipe,
 * 2 were torn with 16 KB writes, none with these.
 */
export const workerStdout = () => stdoutDestination(PIPE_BUF);

/** The worker's side of the IPC: the start signal for the start-up line, and the metrics of every worker. */
export class ClusterWorker {
  readonly id: number;
  readonly count: number;
  #local: (() => Promise<MetricsSnapshot>) | undefined;
  readonly #scrapes = new Map<number, (snapshots: MetricsSnapshot[] | undefined) => void>();
  #nextScrape = 0;
  readonly #announced: Promise<void>;

  constructor(role: WorkerRole) {
    this.id = role.id;
    this.count = role.count;
    let announce: () => void = () => {};
    this.#announced = new Promise((resolve) => {
      announce = resolve;
    });
    process.on('message', (message: unknown) => {
      if (!isObject(message)) return;
      if (message.type === ANNOUNCE) announce();
      else if (message.type === COLLECT) void this.#answerCollect(message.id);
      else if (message.type === SCRAPED && typeof message.id === 'number')
        this.#scrapes.get(message.id)?.(message.snapshots as MetricsSnapshot[]);
    });
  }

  /** Resolves once every worker listens (the primary says so): the start-up line is then true. */
  allListening(): Promise<void> {
    return this.#announced;
  }

  /** What this worker answers when the primary collects metrics for a scrape. */
  shareMetrics(local: () => Promise<MetricsSnapshot>): void {
    this.#local = local;
  }

  /** Every worker's metrics (this one's included), through the primary. */
  collectMetrics(): Promise<MetricsSnapshot[]> {
    const id = this.#nextScrape++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(undefined), SCRAPE_TIMEOUT_MS);
      const settle = (snapshots: MetricsSnapshot[] | undefined) => {
        clearTimeout(timer);
        this.#scrapes.delete(id);
        if (snapshots) resolve(snapshots);
        else reject(new Error("the primary process did not answer with the workers' metrics"));
      };
      this.#scrapes.set(id, settle);
      send(process, { type: SCRAPE, id });
    });
  }

  async #answerCollect(id: unknown): Promise<void> {
    let metrics: MetricsSnapshot = [];
    try {
      metrics = (await this.#local?.()) ?? [];
    } catch {
      // An empty answer rather than none: the scrape does not wait for the timeout.
    }
    send(process, { type: COLLECTED, id, metrics });
  }
}

/** IPC sends fail when the other side is gone; that is seen through its exit, not here. */
function send(to: NodeJS.Process | Worker, message: object): void {
  try {
    (to as Worker).send(message, () => undefined);
  } catch {
    // The channel closed between the check and the send.
  }
}

export interface PrimaryOptions {
  count: number;
  /** SHUTDOWN_TIMEOUT_MS: each worker's drain; the primary kills what is left some seconds later. */
  shutdownTimeoutMs: number;
  /** GATEWAY_API_KEYS_FILE is set: SIGHUP is relayed to the workers (each re-reads the file). */
  relayHangup: boolean;
  /** The command line arguments, passed on to every worker. */
  args: string[];
  logger: Logger;
  /** Ends the process with this code once the log lines are written. */
  exit: (code: number) => void;
}

interface Slot {
  readonly id: number;
  /** Undefined while it waits to be restarted. */
  worker: Worker | undefined;
  /** When it listened; undefined until then. */
  listeningAt: number | undefined;
  quickExits: number;
  restart?: NodeJS.Timeout;
}

interface Scrape {
  requester: Worker;
  requestId: unknown;
  waiting: Set<Worker>;
  snapshots: unknown[];
  timer: NodeJS.Timeout;
}

/** The primary: forks the workers, keeps them running, stops them. Returns once they are started. */
export async function runPrimary(options: PrimaryOptions): Promise<void> {
  const { default: cluster } = await import('node:cluster');
  const { count, logger } = options;
  cluster.setupPrimary({ args: options.args });
  const slots = new Map<number, Slot>();
  const slotOf = new Map<Worker, Slot>();
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let exitCode = 0;
  let killTimer: NodeJS.Timeout | undefined;

  const fork = (id: number, quickExits: number) => {
    const announce = id === 1 && phase === 'starting' ? 1 : 0;
    const worker = cluster.fork({ [ROLE_VARIABLE]: `${id}:${count}:${announce}:${options.args.length}` });
    const slot = slots.get(id) ?? { id, worker, listeningAt: undefined, quickExits };
    Object.assign(slot, { worker, listeningAt: undefined, quickExits, restart: undefined });
    slots.set(id, slot);
    slotOf.set(worker, slot);
  };

  const finishIfDone = () => {
    if (phase !== 'stopping' || [...slots.values()].some((slot) => slot.worker)) return;
    clearTimeout(killTimer);
    logger.info(exitCode === 0 ? 'stopped' : 'stopped with errors');
    options.exit(exitCode);
  };

  const stop = (code: number, reason?: string) => {
    if (phase === 'stopping') return;
    phase = 'stopping';
    exitCode = code;
    logger.info({ ...(reason ? { signal: reason } : {}), workers: count }, 'shutting down');
    for (const slot of slots.values()) {
      clearTimeout(slot.restart);
      // Each worker runs the gateway's own graceful shutdown on SIGTERM.
      slot.worker?.process.kill('SIGTERM');
    }
    // A worker's own shutdown gives up 2 s after SHUTDOWN_TIMEOUT_MS; past that it is stuck.
    killTimer = setTimeout(() => {
      for (const slot of slots.values())
        if (slot.worker) {
          logger.error({ worker: slot.id, pid: slot.worker.process.pid }, `worker ${slot.id} did not stop: killed`);
          exitCode = 1;
          slot.worker.process.kill('SIGKILL');
        }
    }, options.shutdownTimeoutMs + 5_000);
    killTimer.unref();
    finishIfDone();
  };

  // Scrapes: a worker asks, the primary collects every worker's metrics and hands them back.
  const scrapes = new Map<number, Scrape>();
  let nextScrape = 0;
  const finishScrape = (id: number) => {
    const scrape = scrapes.get(id);
    if (!scrape || scrape.waiting.size > 0) return;
    clearTimeout(scrape.timer);
    scrapes.delete(id);
    send(scrape.requester, { type: SCRAPED, id: scrape.requestId, snapshots: scrape.snapshots });
  };
  cluster.on('message', (worker, message: unknown) => {
    if (!isObject(message)) return;
    if (message.type === SCRAPE) {
      const id = nextScrape++;
      const live = [...slotOf.keys()].filter((w) => w.isConnected());
      const timer = setTimeout(() => {
        const scrape = scrapes.get(id);
        if (!scrape) return;
        scrape.waiting.clear();
        finishScrape(id);
      }, COLLECT_TIMEOUT_MS);
      scrapes.set(id, { requester: worker, requestId: message.id, waiting: new Set(live), snapshots: [], timer });
      for (const w of live) send(w, { type: COLLECT, id });
      finishScrape(id);
    } else if (message.type === COLLECTED && typeof message.id === 'number') {
      const scrape = scrapes.get(message.id);
      if (!scrape?.waiting.delete(worker)) return;
      scrape.snapshots.push(message.metrics);
      finishScrape(message.id);
    }
  });

  cluster.on('listening', (worker) => {
    const slot = slotOf.get(worker);
    if (!slot || phase === 'stopping') return;
    slot.listeningAt = Date.now();
    const restarted = phase === 'running';
    logger[restarted ? 'info' : 'debug']({ worker: slot.id, pid: worker.process.pid }, `worker ${slot.id} listening`);
    if (phase === 'starting' && [...slots.values()].every((s) => s.listeningAt !== undefined)) {
      phase = 'running';
      const first = slots.get(1)?.worker;
      if (first) send(first, { type: ANNOUNCE });
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const slot = slotOf.get(worker);
    slotOf.delete(worker);
    for (const [id, scrape] of scrapes) if (scrape.waiting.delete(worker)) finishScrape(id);
    if (!slot || slot.worker !== worker) return;
    slot.worker = undefined;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const detail = { worker: slot.id, pid: worker.process.pid, ...(signal ? { signal } : { code }) };
    if (phase === 'stopping') {
      if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') exitCode = 1;
      return finishIfDone();
    }
    if (phase === 'starting') {
      // As a single process would: a gateway that cannot start does not start.
      logger.error(detail, `worker ${slot.id} exited during start-up (${how}); stopping`);
      return stop(1);
    }
    const { listeningAt } = slot;
    const quick = listeningAt === undefined || Date.now() - listeningAt < QUICK_EXIT_MS;
    const quickExits = quick ? slot.quickExits + 1 : 0;
    if (quickExits >= MAX_QUICK_EXITS) {
      logger.error(
        detail,
        `worker ${slot.id} exited within ${QUICK_EXIT_MS / 1000} s of starting ${quickExits} times in a row (last: ${how}); giving up`,
      );
      return stop(1);
    }
    const delayMs = quickExits === 0 ? 0 : Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (quickExits - 1));
    logger.warn({ ...detail, restartInMs: delayMs }, `worker ${slot.id} exited (${how}); restarting it`);
    slot.restart = setTimeout(() => {
      if (phase !== 'stopping') fork(slot.id, quickExits);
    }, delayMs);
  });

  process.on('SIGTERM', () => stop(0, 'SIGTERM'));
  process.on('SIGINT', () => stop(0, 'SIGINT'));
  if (options.relayHangup)
    process.on('SIGHUP', () => {
      for (const slot of slots.values()) slot.worker?.process.kill('SIGHUP');
    });

  logger.debug({ workers: count }, `starting ${count} workers`);
  for (let id = 1; id <= count; id++) fork(id, 0);
}
