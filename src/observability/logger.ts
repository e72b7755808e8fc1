import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config.ts';

export type { Logger };

/**
 * The gateway's JSON logger. Log lines are built from chosen fields, never from whole requests or
 * providers; redaction is a second line of defence should a credential-bearing object slip in.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchyard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['*.authorization', '*["x-api-key"]', '*["api-key"]', '*["x-goog-api-key"]', '*.authHeaders', 'authorization'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
