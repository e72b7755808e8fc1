import type { Config } from '../config/config.ts';
import { GatewayError, InvalidRequestError } from '../errors.ts';
import type { Router } from '../routing/router.ts';
import type { RequestLog } from '../store/request-log.ts';
import type { RequestStore } from '../store/store.ts';
import { filterOf, groupByOf, intervalOf, limitOf } from './query.ts';

const DAY = 86_400_000;

/** The admin API's answers, as JSON values; the route table sends them. `search` is the query string. */
export class AdminApi {
  constructor(
    readonly config: Config,
    readonly requestLog: RequestLog,
    readonly router: Router,
  ) {}

  async #store(): Promise<RequestStore> {
    try {
      return await this.requestLog.store();
    } catch {
      throw new GatewayError(503, 'store_unavailable', 'The request log store cannot be reached.', 'api_error');
    }
  }

  /** `GET /v1/gateway/requests`: newest first, filtered, a page at a time (`cursor` from `nextCursor`). */
  async requests(search: string): Promise<unknown> {
    const query = new URLSearchParams(search);
    const store = await this.#store();
    const page = await store.requests(filterOf(query), limitOf(query, 50, 500), query.get('cursor') || undefined);
    return { object: 'list', data: page.data, nextCursor: page.nextCursor };
  }

  /** `GET /v1/gateway/requests/{requestId}`: every record with that id (bodies included when kept). */
  async request(encodedId: string): Promise<unknown> {
    let requestId: string;
    try {
      requestId = decodeURIComponent(encodedId);
    } catch {
      throw new InvalidRequestError('invalid_path', 'The request id is not valid percent-encoding.');
    }
    const store = await this.#store();
    const page = await store.requests({ requestId }, 20, undefined, true);
    if (page.data.length === 0)
      throw new GatewayError(
        404,
        'request_not_found',
        `No stored request has the id '${requestId}'.`,
        'not_found_error',
      );
    return { object: 'list', data: page.data };
  }

  /** `GET /v1/gateway/usage`: totals per group and time bucket over a range (default: the last 24 hours). */
  async usage(search: string): Promise<unknown> {
    const query = new URLSearchParams(search);
    const filter = filterOf(query);
    filter.to ??= Date.now() + 1;
    filter.from ??= filter.to - DAY;
    const groupBy = groupByOf(query);
    const interval = intervalOf(query);
    const data = await (await this.#store()).usage(filter, groupBy, interval);
    return {
      object: 'list',
      from: new Date(filter.from).toISOString(),
      to: new Date(filter.to).toISOString(),
      groupBy: groupBy ?? null,
      interval: interval ?? null,
      data,
    };
  }

  /** `GET /v1/gateway/config`: what is configured, with every credential left out. */
  configuration(): unknown {
    const { config } = this;
    const tracing = config.tracing;
    return {
      providers: [...config.providers.values()].map((p) => ({
        id: p.id,
        wireFormat: p.wireFormat,
        baseUrl: p.baseUrl,
      })),
      defaultProvider: config.defaultProvider ?? null,
      routing: {
        strategy: config.routing.strategy,
        priority: config.routing.priority,
        weights: Object.fromEntries(config.routing.weights),
        routes: Object.fromEntries(
          [...config.routing.routes].map(([name, targets]) => [name, targets.map((t) => `${t.provider}/${t.model}`)]),
        ),
        fallback: config.routing.fallback,
        maxRetries: config.routing.maxRetries,
        cooldownFailures: config.routing.cooldownFailures,
        cooldownMs: config.routing.cooldownMs,
      },
      limits: config.limits,
      gatewayKeys: config.gatewayKeys?.size ?? 0,
      adminKeys: config.adminKeys?.size ?? 0,
      sharedCounters: config.redisUrl ? 'redis' : 'memory',
      workers: config.workers,
      requestLog: {
        store: this.requestLog.kind,
        dataDir: this.requestLog.kind === 'sqlite' ? config.requestLog.dataDir : null,
        retentionDays: config.requestLog.retentionDays,
        payloads: config.requestLog.payloads,
      },
      tracing: tracing
        ? {
            url: tracing.url,
            protocol: tracing.protocol,
            serviceName: tracing.serviceName,
            sampler: tracing.sampler.kind,
          }
        : null,
      timeouts: {
        requestMs: config.requestTimeoutMs,
        streamIdleMs: config.streamIdleTimeoutMs,
        shutdownMs: config.shutdownTimeoutMs,
      },
      maxBodyBytes: config.maxBodyBytes,
    };
  }
}
