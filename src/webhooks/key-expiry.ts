import type { Webhooks } from './webhooks.ts';

const DAY_MS = 86_400_000;
const CHECK_EVERY_MS = 3_600_000;

/**
 * Tells the webhooks of each gateway key that expires within `warnDays`: once per key and expiry
 * date, checked at start-up and every hour (the keys are read again each time: a reloaded key
 * file counts).
 */
export function watchKeyExpiry(
  keys: () => readonly { name: string; expiresAt?: number }[],
  webhooks: Webhooks,
  warnDays: number,
  now: () => number = Date.now,
): { check(): void; close(): void } {
  const sent = new Set<string>();
  const check = () => {
    const at = now();
    for (const { name, expiresAt } of keys()) {
      if (expiresAt === undefined || expiresAt <= at || expiresAt - at > warnDays * DAY_MS) continue;
      const id = `${name}|${expiresAt}`;
      if (sent.has(id)) continue;
      sent.add(id);
      webhooks.emit('key.expiring', {
        key: name,
        expiresAt: new Date(expiresAt).toISOString(),
        daysLeft: Math.floor((expiresAt - at) / DAY_MS),
      });
    }
  };
  check();
  const timer = setInterval(check, CHECK_EVERY_MS);
  timer.unref();
  return { check, close: () => clearInterval(timer) };
}
