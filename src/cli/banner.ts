import type { Config } from '../config/config.ts';
import { withoutCredentials } from '../limits/redis-counters.ts';

/** The URL a client on this machine calls: a wildcard bind is reached through loopback. */
function urlOf(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
}

/** What the start-up line and banner say about the running configuration. */
export function startupFacts(config: Config, port: number) {
  const { limits, routing } = config;
  const limitText = [
    limits.requestsPerMinute && `${limits.requestsPerMinute} requests/min`,
    limits.tokensPerMinute && `${limits.tokensPerMinute} tokens/min`,
    limits.dailyBudgetUsd && `$${limits.dailyBudgetUsd}/day`,
  ].filter(Boolean);
  return {
    url: urlOf(config.host, port),
    listen: `${config.host}:${port}`,
    providers: [...config.providers.keys()],
    routing: routing.strategy,
    limits: limitText.length ? `${limitText.join(', ')} per key` : 'none',
    redis: config.redisUrl ? withoutCredentials(config.redisUrl) : 'off (limits count per process)',
    keysRequired: config.gatewayKeys !== undefined,
    demo: config.providers.has('demo'),
    workers: config.workers,
  };
}

/** The few lines a person starting the gateway on a terminal reads first. */
export function banner(facts: ReturnType<typeof startupFacts>, version: string, warnings: readonly string[]): string {
  const row = (label: string, value: string) => `  ${label.padEnd(11)}${value}`;
  const lines = [
    `Switchyard ${version}${facts.demo ? ' — DEMO MODE: answers are made up locally, no model is called' : ''}`,
    row('URL', `${facts.url}/v1   (listening on ${facts.listen})`),
    row('providers', facts.providers.join(', ') || 'none — set a provider key, or run with --demo'),
    row('routing', facts.routing),
    row('limits', facts.limits),
    row('redis', facts.redis),
    ...(facts.workers > 1 ? [row('workers', `${facts.workers} processes share the port`)] : []),
    row(
      'keys',
      facts.keysRequired
        ? 'required (GATEWAY_API_KEYS)'
        : 'not required — anyone who reaches this address can use it; set GATEWAY_API_KEYS',
    ),
    ...warnings.map((warning) => `  warning: ${warning}`),
  ];
  return `${lines.join('\n')}\n\n`;
}
