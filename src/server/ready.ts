import { connect } from 'node:net';
import type { Config } from '../config/config.ts';

/** How long /ready waits for Redis to accept a connection. */
const REDIS_PROBE_MS = 1_000;

/** Whether a TCP connection to the Redis URL's host and port opens in time (no command is sent). */
function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(REDIS_PROBE_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Readiness, unlike /health (liveness): able to serve traffic now. Not ready while no provider is
 * active, or while the configured Redis does not accept connections.
 */
export async function readiness(config: Config): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {
    providers: config.providers.size > 0 ? `${config.providers.size} active` : 'none active',
  };
  if (config.redisUrl) checks.redis = (await reachable(config.redisUrl)) ? 'reachable' : 'unreachable';
  const ready = config.providers.size > 0 && checks.redis !== 'unreachable';
  return { ready, checks };
}
