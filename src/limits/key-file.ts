import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../observability/logger.ts';
import { GatewayKeys } from './gateway-keys.ts';

/** Changes closer together than this are one reload: editors write a file in several steps. */
const SETTLE_MS = 100;

/**
 * Re-reads GATEWAY_API_KEYS_FILE when it changes or the process gets SIGHUP, and swaps the keys
 * in at once. A file that does not read or parse keeps the previous keys, and the log says why.
 * The directory is watched rather than the file, so that a file replaced by rename (editors,
 * Kubernetes secret updates) is still seen.
 */
export function watchKeyFile(path: string, keys: GatewayKeys, logger: Logger): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let previous: string | undefined;
  const reload = (reason: string) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      logger.warn(
        { file: path, reason: (error as NodeJS.ErrnoException).code ?? 'unreadable' },
        'GATEWAY_API_KEYS_FILE could not be read; keeping the previous keys',
      );
      return;
    }
    if (text === previous) return;
    try {
      const next = GatewayKeys.parseFile(text, path);
      if (next.size === 0) throw new Error('holds no key');
      keys.replace(next);
      previous = text;
      logger.info({ file: path, keys: next.size, trigger: reason }, 'gateway keys reloaded');
    } catch (error) {
      logger.warn(
        { file: path, reason: (error as Error).message },
        'GATEWAY_API_KEYS_FILE is invalid; keeping the previous keys',
      );
    }
  };
  const schedule = (reason: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => reload(reason), SETTLE_MS);
    timer.unref();
  };
  try {
    previous = readFileSync(path, 'utf8');
  } catch {
    previous = undefined;
  }
  const name = basename(path);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file === null || file === name) schedule('change');
    });
    watcher.on('error', () => undefined);
  } catch (error) {
    logger.warn(
      { file: path, reason: (error as Error).message },
      'cannot watch GATEWAY_API_KEYS_FILE; reload with SIGHUP',
    );
  }
  const onHangup = () => {
    // SIGHUP forces a re-read, even of an unchanged file.
    previous = undefined;
    reload('SIGHUP');
  };
  process.on('SIGHUP', onHangup);
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
      process.off('SIGHUP', onHangup);
    },
  };
}
