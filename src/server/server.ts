import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pkg from '../../package.json' with { type: 'json' };
import { AdminApi } from '../admin/api.ts';
import { AdminGuard, isLoopback } from '../admin/guard.ts';
import { createResponseCache } from '../cache/cache.ts';
import { Guardrails } from '../guardrails/guardrails.ts';
import { BudgetAlerts } from '../webhooks/budget-alerts.ts';
import { watchKeyExpiry } from '../webhooks/key-expiry.ts';
import { Webhooks } from '../webhooks/webhooks.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { Pricer } from '../catalog/pricer.ts';
import type { Config } from '../config/config.ts';
import { AuthenticationError, KeyExpiredError } from '../errors.ts';
import { watchKeyFile } from '../limits/key-file.ts';
import { isLimited, Metering } from '../limits/metering.ts';
import { createRateLimiter } from '../limits/rate-limiter.ts';
import type { Logger } from '../observability/logger.ts';
import { GatewayMetrics, renderMerged } from '../observability/metrics.ts';
import { logRequest } from '../observability/request-log.ts';
import { loadTracing, type Tracing } from '../observability/tracing.ts';
import { Router } from '../routing/router.ts';
import { recordOf } from '../store/record.ts';
import { RequestLog } from '../store/request-log.ts';
import { UpstreamClient } from '../upstream/client.ts';
import { applyClientLimits } from './client-connections.ts';
import { createContext, type RequestContext } from './context.ts';
import { Cors } from './cors.ts';
import { asGatewayError, sendError } from './error-response.ts';
import { ModelDirectory } from './models.ts';
import { clientFormatOf, createRouteTable, type Route, type RouteDeps } from './routes.ts';
import { endOpenResponses } from './shutdown.ts';
import type { ClusterWorker } from './workers.ts';

export interface Gateway {
  /** Starts listening; resolves with the bound address. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /**
   * Stops accepting connections, lets requests in flight (streams included) finish for up to
   * SHUTDOWN_TIMEOUT_MS, then cuts whatever is left and releases upstream connections.
   */
  close(): Promise<void>;
  readonly server: Server;
}

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  catalog: Catalog;
  /** Set when this process is one of WORKERS (server/workers.ts). */
  worker?: ClusterWorker;
}

export function createGateway({ config, logger, catalog: builtinCatalog, worker }: GatewayOptions): Gateway {
  // Models that custom providers list are selectable by name and shown in /v1/models like any other.
  const catalog = config.customModels.length ? builtinCatalog.withOverrides(config.customModels) : builtinCatalog;
  const upstream = new UpstreamClient({
    requestTimeoutMs: config.requestTimeoutMs,
    streamIdleTimeoutMs: config.streamIdleTimeoutMs,
    local: new Map(
      [...config.providers.values()].flatMap((p) => (p.dispatcher ? [[new URL(p.baseUrl).origin, p.dispatcher]] : [])),
    ),
  });
  const metrics = new GatewayMetrics({
    isKnownModel: (provider, model) => catalog.find(provider, model) !== undefined,
  });
  const limited = isLimited(config);
  const limiter = createRateLimiter(limited, {
    redisUrl: config.redisUrl,
    onWarning: (message, detail) => logger.warn({ ...detail }, message),
    workers: worker?.count,
  });
  const keyFile =
    config.gatewayKeys && config.gatewayKeysFile
      ? watchKeyFile(config.gatewayKeysFile, config.gatewayKeys, logger)
      : undefined;
  const pricer = new Pricer(catalog, (provider, model) =>
    logger.warn({ provider, model }, 'no price in the catalog for this model; its cost is logged as null'),
  );
  const metering = new Metering({ config, catalog, pricer, limiter, metrics, limited });
  for (const [id, provider] of config.providers)
    if (provider.keyPool) provider.keyPool.onCooldown = (key) => metrics.keyCooldown({ provider: id, key });
  const cors = config.corsOrigins.length ? new Cors(config.corsOrigins) : undefined;
  const requestLog = new RequestLog(config.requestLog, logger, metrics);
  const webhooks = config.webhooks && new Webhooks(config.webhooks.endpoints, logger);
  const budgetAlerts = webhooks && new BudgetAlerts(webhooks);
  // With WORKERS, one worker tells of expiring keys: the others would repeat each notice.
  const keyExpiry =
    webhooks &&
    config.gatewayKeys &&
    (worker === undefined || worker.id === 1) &&
    watchKeyExpiry(() => config.gatewayKeys?.policies ?? [], webhooks, config.webhooks?.keyExpiryDays ?? 7);
  /** Once a request's spend is settled: its key's budgets as they now stand, for the 80 %/100 % notices. */
  const notifyBudget = (alerts: BudgetAlerts, settled: Promise<void>, ctx: RequestContext) => {
    const subject = metering.keySubject(ctx);
    if (subject.limits.dailyBudgetUsd === undefined && subject.limits.monthlyBudgetUsd === undefined) return;
    void settled
      .then(() => limiter.state(subject))
      .then((states) => alerts.observe(subject.id, states))
      .catch(() => undefined);
  };
  const router = new Router(config.routing, catalog, Math.random, (target, change) =>
    change.state === 'cooling'
      ? webhooks?.emit('provider.cooldown', { ...target, until: new Date(change.until).toISOString() })
      : webhooks?.emit('provider.recovered', { ...target }),
  );
  const cache =
    config.cache &&
    createResponseCache(config.cache, {
      metrics,
      keyed: config.gatewayKeys !== undefined,
      maxEntryBytes: config.maxResponseBytes,
      redisUrl: config.redisUrl,
      onWarning: (message) => logger.warn(message),
    });
  const adminGuard = new AdminGuard(config.adminKeys, () =>
    isLoopback((server.address() as AddressInfo | null)?.address),
  );
  const deps: RouteDeps = {
    config,
    upstream,
    catalog,
    pricer,
    models: new ModelDirectory(catalog, config.providers, (provider, error) =>
      logger.warn({ provider, reason: error.message }, 'could not list the live models of a provider'),
    ),
    metrics,
    // Each worker counts its own requests: a scrape of any of them sums all of them.
    metricsText: worker ? async () => renderMerged(await worker.collectMetrics()) : () => metrics.render(),
    workerId: worker?.id,
    router,
    admin: new AdminApi(config, requestLog, router),
    logger,
    cache,
    guardrails: config.guardrails && new Guardrails(config.guardrails, { metrics, logger }),
    meter: (req, ctx, request) => metering.reserve(req.headers, ctx, request),
    countAttempt: (ctx) => metering.countAttempt(ctx),
    keySelf: async (ctx) => ({
      name: ctx.key?.name ?? null,
      ...(ctx.key?.expiresAt === undefined ? {} : { expires_at: new Date(ctx.key.expiresAt).toISOString() }),
      models: ctx.key?.models ?? null,
      providers: ctx.key?.providers ?? null,
      metadata: ctx.key?.metadata ?? {},
      limits: await limiter.state(metering.keySubject(ctx)),
    }),
  };
  worker?.shareMetrics(() => metrics.snapshot());
  const route = createRouteTable(deps);
  /** Which worker answered, when there are several: a client or test can see the load spread. */
  const workerHeader = worker && String(worker.id);
  let inFlight = 0;
  let tracing: Tracing | undefined;
  /** Responses not yet ended, for shutdown to end cleanly. */
  const open = new Set<{ res: ServerResponse; ctx: RequestContext }>();

  /** Gateway key: who is asking, and whether their key is still valid. Limits are reserved once the body is read. */
  const admit = (req: IncomingMessage, ctx: RequestContext, route: Route) => {
    if (route.admin === 'only' || (route.admin === 'or-gateway' && adminGuard.accepts(req.headers))) {
      adminGuard.authorize(req.headers);
      return;
    }
    if (route.guarded && config.gatewayKeys) {
      const key = config.gatewayKeys.authenticate(req.headers, ctx.clientFormat === 'gemini' ? ctx.search : '');
      if (key === undefined) throw new AuthenticationError();
      ctx.subject = key.name;
      ctx.gatewayKeyHeader = key.header;
      ctx.key = key.policy;
      if (key.policy.expiresAt !== undefined && Date.now() >= key.policy.expiresAt) throw new KeyExpiredError(key.name);
    }
    if (route.metered || route.name === '/v1/gateway/keys/self') ctx.subject ??= req.socket.remoteAddress ?? 'unknown';
  };

  /** Bookkeeping once a request is over, whichever way it ended. */
  const finish = (ctx: RequestContext, res: ServerResponse, routeName: string, metered: boolean) => {
    inFlight--;
    const settled = metering.settle(ctx, res.statusCode);
    if (budgetAlerts && ctx.metered?.reservation) notifyBudget(budgetAlerts, settled, ctx);
    logRequest(logger, ctx, res, config.logRequests);
    ctx.trace?.end(res, routeName);
    if (metered) requestLog.add(recordOf(ctx, res, routeName, config.gatewayKeys !== undefined));
    metrics.requestFinished({
      route: routeName,
      provider: ctx.provider,
      model: ctx.model,
      status: res.statusCode,
      durationMs: performance.now() - ctx.startedAt,
      ttfbMs: ctx.firstByteAt === undefined ? undefined : ctx.firstByteAt - ctx.startedAt,
      streamed: ctx.stream,
    });
    if (ctx.provider) {
      // The gateway's own failures talking to the provider, or the provider's own error answers.
      if (ctx.error && ctx.error.status >= 500) metrics.upstreamError({ provider: ctx.provider, kind: ctx.error.code });
      else if (!ctx.error && (res.statusCode >= 500 || res.statusCode === 429))
        metrics.upstreamError({ provider: ctx.provider, kind: `http_${res.statusCode}` });
    }
    if (ctx.usage && ctx.provider && ctx.model) {
      const { usage } = ctx;
      metrics.tokens({
        provider: ctx.provider,
        model: ctx.model,
        input: usage.inputTokens,
        cachedInput: usage.cachedInputTokens ?? 0,
        cacheWrite: usage.cacheWriteInputTokens ?? 0,
        output: usage.outputTokens,
        reasoning: usage.reasoningTokens ?? 0,
      });
      if (ctx.costUsd) metrics.cost({ provider: ctx.provider, model: ctx.model, usd: ctx.costUsd });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    if (workerHeader) res.setHeader('x-gateway-worker', workerHeader);
    const ctx = createContext(req);
    ctx.clientFormat = clientFormatOf(ctx.path, req.headers, ctx.search);
    ctx.trace = tracing?.start(req, res, ctx);
    const requestDone = metrics.requestStarted();
    let routeName = 'unknown';
    let metered = false;
    const entry = { res, ctx };
    open.add(entry);
    // 'close' (like 'end') is emitted once: `on` spares the wrapper `once` builds for every request.
    res.on('close', () => {
      open.delete(entry);
      // Gone before any answer (an aborted upload, a hang-up): nginx's 499, never a 200 in the logs.
      if (!res.headersSent) res.statusCode = 499;
      requestDone();
      finish(ctx, res, routeName, metered);
    });
    try {
      if (cors) {
        const preflight = cors.preflight(ctx.method, req.headers);
        if (preflight) {
          res.writeHead(preflight.status, { ...preflight.headers, 'x-request-id': ctx.id });
          res.end();
          return;
        }
        const headers = cors.headersFor(req.headers);
        if (headers) ctx.responseHeaders = headers;
      }
      const matched = route(ctx);
      routeName = matched.name;
      metered = matched.metered;
      admit(req, ctx, matched);
      await matched.handler(req, res, ctx);
    } catch (error) {
      const gatewayError = asGatewayError(error);
      if (gatewayError.status === 500) logger.error({ requestId: ctx.id, err: error }, 'unhandled error');
      ctx.error = gatewayError;
      sendError(res, gatewayError, ctx.id, ctx.clientFormat, ctx.responseHeaders);
    }
  };

  const server = createServer(
    // Node checks headersTimeout/requestTimeout on this interval: keep it well under the timeouts.
    { noDelay: true, connectionsCheckingInterval: Math.min(1000, Math.ceil(config.clientHeadersTimeoutMs / 4)) },
    (req, res) => void handle(req, res),
  );
  applyClientLimits(server, config);

  return {
    server,
    async listen(port = config.port, host = config.host) {
      await requestLog.open();
      // The OpenTelemetry SDK is imported only now, and only when an OTLP endpoint is set.
      if (config.tracing) tracing ??= await loadTracing(config.tracing, pkg.version);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + config.shutdownTimeoutMs;
      while (inFlight > 0 && Date.now() < deadline) {
        server.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      if (inFlight > 0) {
        logger.warn({ inFlight }, 'shutdown timeout reached; ending what is left with an error');
        endOpenResponses(open);
        // Let the error bodies and chunked terminators reach the sockets before they are closed.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      server.closeAllConnections();
      webhooks?.close();
      if (keyExpiry) keyExpiry.close();
      await closed;
      keyFile?.close();
      await Promise.all([upstream.destroy(), limiter.close(), requestLog.close(), tracing?.shutdown(), cache?.close()]);
    },
  };
}
