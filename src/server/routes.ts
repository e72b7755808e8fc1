import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AdminApi } from '../admin/api.ts';
import type { Config } from '../config/config.ts';
import { GatewayError, InvalidRequestError, MethodNotAllowedError, RouteNotFoundError } from '../errors.ts';
import { CLIENT_FORMATS, type ClientFormat } from '../formats/index.ts';
import type { ClientModelsFormat } from '../formats/types.ts';
import type { MeteredRequest } from '../limits/metering.ts';
import { attribute } from '../observability/attribution.ts';
import { type ProxyDeps, type ProxyRequest, proxyRequest } from '../proxy/proxy.ts';
import { capturePayloads } from '../store/payloads.ts';
import { uiAsset } from '../ui/assets.ts';
import type { RequestContext } from './context.ts';
import type { ModelDirectory } from './models.ts';
import { multipartField } from './multipart.ts';
import { parseJsonBody } from './json-body.ts';
import { readBody } from './read-body.ts';
import { readiness } from './ready.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => Promise<void>;

export interface RouteDeps extends ProxyDeps {
  config: Config;
  /**
   * Reserves the request's worst case against its key's and user's limits; throws the refusal.
   * Undefined when nothing is enforced: nothing to wait for.
   */
  meter: (req: IncomingMessage, ctx: RequestContext, request: MeteredRequest) => Promise<void> | undefined;
  /** `GET /v1/gateway/keys/self`: the calling key's policy and what remains of its limits. */
  keySelf: (ctx: RequestContext) => Promise<unknown>;
  models: ModelDirectory;
  /** Renders `/metrics`. */
  metricsText: () => Promise<{ contentType: string; body: string }>;
  /** This process's number among WORKERS, when there are several. */
  workerId?: number;
  admin: AdminApi;
}

/**
 * A matched route. `name` is a fixed label (never the raw path) for metrics; `guarded` routes need
 * a gateway key when keys are configured; `metered` ones also count against rate limits and budgets
 * (and are kept in the request log). `admin` routes need an admin key instead; `'or-gateway'`
 * ones take either.
 */
export interface Route {
  name: string;
  handler: Handler;
  guarded: boolean;
  metered: boolean;
  admin?: 'only' | 'or-gateway';
}

/** Endpoints whose body the gateway understands; `model` is required where the API requires it. */
const MODEL_ENDPOINTS: Readonly<Record<string, { requiresModel: boolean }>> = {
  '/v1/chat/completions': { requiresModel: true },
  '/v1/completions': { requiresModel: true },
  '/v1/embeddings': { requiresModel: true },
  '/v1/images/generations': { requiresModel: false },
  '/v1/messages': { requiresModel: true },
  '/v1/messages/count_tokens': { requiresModel: true },
  '/v1/responses': { requiresModel: true },
  '/api/chat': { requiresModel: true },
  '/api/generate': { requiresModel: true },
  '/api/embed': { requiresModel: true },
  '/api/embeddings': { requiresModel: true },
};

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * The wire format a client speaks, by the path it calls: Anthropic's Messages API, OpenAI's
 * Responses API, Gemini's `/v1beta/*` and `models/{model}:{method}` calls, Ollama's `/api/*`,
 * else OpenAI's Chat Completions.
 */
export function clientFormatOf(path: string, headers: IncomingHttpHeaders = {}, search = ''): ClientFormat {
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return 'anthropic';
  if (path === '/v1/responses' || path.startsWith('/v1/responses/')) return 'openai-responses';
  if (path.startsWith('/v1beta/')) return 'gemini';
  // `/v1/models/{model}:{method}` is Gemini's; `/v1/models/{id}` (ids may hold `:`) OpenAI's, unless
  // a Google client asks (its SDKs list models under /v1 with their own key header).
  if (path.startsWith('/v1/models/') && CLIENT_FORMATS.gemini.readRoute?.('POST', path, '')) return 'gemini';
  if (
    (path === '/v1/models' || path.startsWith('/v1/models/')) &&
    (headers['x-goog-api-key'] !== undefined ||
      headers['x-goog-api-client'] !== undefined ||
      new URLSearchParams(search).has('key'))
  )
    return 'gemini';
  if (path.startsWith('/api/')) return 'ollama';
  return 'openai';
}

interface RouteSpec extends Route {
  methods: readonly string[] | undefined;
}

/**
 * The route table, built once per gateway: the returned function finds the route of a request,
 * or throws the 404/405 that explains why there is none.
 */
export function createRouteTable(deps: RouteDeps): (ctx: RequestContext) => Route {
  const spec = (
    name: string,
    methods: readonly string[] | undefined,
    handler: Handler,
    guarded: boolean,
    metered: boolean,
  ): RouteSpec => ({
    name,
    methods,
    handler,
    guarded,
    metered,
  });
  const exact = new Map<string, RouteSpec>([
    ['/health', spec('/health', ['GET', 'HEAD'], health(deps.config), false, false)],
    ['/ready', spec('/ready', ['GET', 'HEAD'], ready(deps.config), false, false)],
    ['/metrics', spec('/metrics', ['GET'], metrics(deps), true, false)],
    ['/v1/gateway/status', { ...spec('/v1/gateway/status', ['GET'], status(deps), true, false), admin: 'or-gateway' }],
    [
      '/v1/gateway/keys/self',
      spec(
        '/v1/gateway/keys/self',
        ['GET'],
        async (_req, res, ctx) => sendJson(res, ctx, await deps.keySelf(ctx)),
        true,
        false,
      ),
    ],
    ['/v1/models', spec('/v1/models', ['GET'], listModels(deps.models), true, false)],
  ]);
  const admin = (name: string, answer: (ctx: RequestContext) => unknown): RouteSpec => ({
    ...spec(name, ['GET'], async (_req, res, ctx) => sendJson(res, ctx, await answer(ctx)), false, false),
    admin: 'only',
  });
  exact.set(
    '/v1/gateway/requests',
    admin('/v1/gateway/requests', (ctx) => deps.admin.requests(ctx.search)),
  );
  exact.set(
    '/v1/gateway/usage',
    admin('/v1/gateway/usage', (ctx) => deps.admin.usage(ctx.search)),
  );
  exact.set(
    '/v1/gateway/config',
    admin('/v1/gateway/config', () => deps.admin.configuration()),
  );
  const oneRequest = admin('/v1/gateway/requests', (ctx) =>
    deps.admin.request(ctx.path.slice('/v1/gateway/requests/'.length)),
  );
  const ui = spec('/ui', ['GET', 'HEAD'], dashboard, false, false);
  for (const [path, { requiresModel }] of Object.entries(MODEL_ENDPOINTS)) {
    exact.set(path, spec(path, ['POST'], modelEndpoint(deps, requiresModel), true, true));
  }
  // Other client formats' model listings and the probes their clients make (Ollama's /api/version).
  const geminiModels = spec('/v1beta/models', ['GET'], formatModels(deps, 'gemini'), true, false);
  exact.set('/v1beta/models', geminiModels);
  exact.set('/api/tags', spec('/api/tags', ['GET'], formatModels(deps, 'ollama'), true, false));
  exact.set('/api/show', spec('/api/show', ['POST'], formatModel(deps, 'ollama'), true, false));
  for (const side of Object.values(CLIENT_FORMATS))
    for (const [path, answer] of Object.entries(side.localAnswers ?? {}))
      exact.set(path, spec(path, ['GET'], local(answer), true, false));
  const oneModel = spec('/v1/models', ['GET'], getModel(deps.models), true, false);
  const geminiModel = spec('/v1beta/models', ['GET'], formatModel(deps, 'gemini'), true, false);
  const modelCall = spec('model call', ['POST'], modelCallEndpoint(deps), true, true);
  const passthrough = spec('passthrough', undefined, passThrough(deps), true, true);

  return (ctx) => {
    const { method, path } = ctx;
    const call = ctx.clientFormat === 'gemini' && path.includes(':');
    const found =
      (ctx.clientFormat === 'gemini' && path === '/v1/models' ? geminiModels : exact.get(path)) ??
      (call
        ? modelCall
        : path.startsWith('/v1beta/models/') || (ctx.clientFormat === 'gemini' && path.startsWith('/v1/models/'))
          ? geminiModel
          : path.startsWith('/v1/models/')
            ? oneModel
            : path.startsWith('/v1/gateway/requests/')
              ? oneRequest
              : path.startsWith('/v1/')
                ? passthrough
                : path === '/ui' || path.startsWith('/ui/')
                  ? ui
                  : undefined);
    if (!found) throw new RouteNotFoundError(method, path);
    if (found.methods && !found.methods.includes(method)) throw new MethodNotAllowedError(method, path, found.methods);
    return found;
  };
}

/** The routing strategy and, per target, its state (healthy, cooling down until …), latency and errors. */
function status(deps: RouteDeps): Handler {
  return async (_req, res, ctx) => {
    // Pooled keys by index, never by value.
    const keyPools: Record<string, unknown> = {};
    for (const [id, provider] of deps.config.providers)
      if (provider.keyPool) keyPools[id] = provider.keyPool.snapshot();
    // Cool-down and key-pool state is each worker's own: say whose this is.
    sendJson(res, ctx, { ...deps.router.status(), keyPools, ...(deps.workerId ? { worker: deps.workerId } : {}) });
  };
}

function metrics(deps: RouteDeps): Handler {
  return async (_req, res, ctx) => {
    const { contentType, body } = await deps.metricsText();
    send(res, ctx, contentType, body);
  };
}

function health(config: Config): Handler {
  const body = JSON.stringify({ status: 'ok', providers: [...config.providers.keys()] });
  return async (_req, res, ctx) => send(res, ctx, 'application/json', body);
}

function ready(config: Config): Handler {
  return async (_req, res, ctx) => {
    const { ready, checks } = await readiness(config);
    send(
      res,
      ctx,
      'application/json',
      JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }),
      ready ? 200 : 503,
    );
  };
}

function send(res: ServerResponse, ctx: RequestContext, contentType: string, body: string, status = 200): void {
  res.writeHead(status, {
    ...ctx.responseHeaders,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-request-id': ctx.id,
  });
  res.end(body);
}

const sendJson = (res: ServerResponse, ctx: RequestContext, body: unknown) =>
  send(res, ctx, 'application/json', JSON.stringify(body));

/** `GET /ui/…`: the dashboard's files, built into the gateway; `/ui` itself is its page. */
const dashboard: Handler = async (_req, res, ctx) => {
  const asset = await uiAsset(ctx.path === '/ui' ? '/ui/' : ctx.path);
  if (!asset) throw new RouteNotFoundError(ctx.method, ctx.path);
  res.writeHead(200, {
    ...ctx.responseHeaders,
    'content-type': asset.contentType,
    'content-length': asset.body.length,
    'cache-control': 'no-cache',
    'x-request-id': ctx.id,
  });
  res.end(ctx.method === 'HEAD' ? undefined : asset.body);
};

/** `GET /v1/models[?provider=…&mode=…]`: the models of the active providers. */
function listModels(models: ModelDirectory): Handler {
  return async (_req, res, ctx) => {
    const query = new URLSearchParams(ctx.search);
    sendJson(res, ctx, {
      object: 'list',
      data: await models.list({ provider: query.get('provider'), mode: query.get('mode') }),
    });
  };
}

/** `GET /v1/models/{id}`: ids contain `/` and `:` and may arrive percent-encoded (the SDKs encode them). */
function getModel(models: ModelDirectory): Handler {
  return async (_req, res, ctx) => {
    let id: string;
    try {
      id = decodeURIComponent(ctx.path.slice('/v1/models/'.length));
    } catch {
      throw new InvalidRequestError('invalid_path', 'The model id is not valid percent-encoding.');
    }
    sendJson(res, ctx, await findModel(models, id));
  };
}

/** One model by id, or the 404 saying no active provider serves it. */
async function findModel(models: ModelDirectory, id: string) {
  const model = await models.find(id);
  if (!model)
    throw new GatewayError(
      404,
      'model_not_found',
      `The model '${id}' is not served by any active provider.`,
      'not_found_error',
      'model',
    );
  return model;
}

/** A format's own model listing (Gemini's `GET /v1beta/models`, Ollama's `GET /api/tags`). */
function formatModels(deps: RouteDeps, format: ClientFormat): Handler {
  const encode = CLIENT_FORMATS[format].models as ClientModelsFormat;
  return async (_req, res, ctx) => sendJson(res, ctx, encode.list(await deps.models.list()));
}

/** One model in a format's own shape: by path (Gemini's `GET /v1beta/models/{model}`) or body (Ollama's `/api/show`). */
function formatModel(deps: RouteDeps, format: ClientFormat): Handler {
  const encode = CLIENT_FORMATS[format].models as ClientModelsFormat;
  return async (req, res, ctx) => {
    let id: string;
    if (ctx.method === 'GET') {
      try {
        id = decodeURIComponent(ctx.path.slice(ctx.path.indexOf('/models/') + '/models/'.length));
      } catch {
        throw new InvalidRequestError('invalid_path', 'The model id is not valid percent-encoding.');
      }
    } else {
      const json = parseJsonBody(await readBody(req, deps.config.maxBodyBytes, deps.config.clientBodyTimeoutMs));
      const named = json.model ?? json.name;
      if (typeof named !== 'string' || named === '')
        throw new InvalidRequestError('missing_model', "The request body must name a 'model'.", 'model');
      id = named;
    }
    sendJson(res, ctx, encode.one(await findModel(deps.models, id)));
  };
}

const local =
  (answer: () => Record<string, unknown>): Handler =>
  async (_req, res, ctx) =>
    sendJson(res, ctx, answer());

/** A model call whose model and method are in the path (Gemini's `models/{model}:{method}`). */
function modelCallEndpoint(deps: RouteDeps): Handler {
  return async (req, res, ctx) => {
    const route = CLIENT_FORMATS[ctx.clientFormat].readRoute?.(ctx.method, ctx.path, ctx.search);
    if (!route) throw new RouteNotFoundError(ctx.method, ctx.path);
    const read = await readBody(req, deps.config.maxBodyBytes, deps.config.clientBodyTimeoutMs);
    ctx.bytesIn = read.length;
    let request: ProxyRequest = { apiPath: route.apiPath, raw: read, json: parseJsonBody(read), route };
    // Before anything keeps a copy: a redacted value never reaches the log store or traces.
    if (deps.guardrails) request = await deps.guardrails.checkRequest(ctx, request);
    const { raw, json } = request as { raw: Buffer; json: Record<string, unknown> };
    deps.metrics.attributed(attribute(ctx, req.headers, json));
    ctx.trace?.request(json, route.apiPath);
    if (deps.config.requestLog.payloads) capturePayloads(req, res, ctx, raw, deps.config.providers);
    const metering = deps.meter(req, ctx, { apiPath: route.apiPath, raw, json, model: route.model || undefined });
    if (metering) await metering;
    await proxyRequest(req, res, ctx, request, deps);
  };
}

function modelEndpoint(deps: RouteDeps, requiresModel: boolean): Handler {
  return async (req, res, ctx) => {
    const read = await readBody(req, deps.config.maxBodyBytes, deps.config.clientBodyTimeoutMs);
    ctx.bytesIn = read.length;
    // OpenAI's and Anthropic's paths are given below /v1; other formats' (Ollama's /api/*) whole.
    const apiPath = ctx.path.startsWith('/v1/') ? ctx.path.slice(3) : ctx.path;
    let request: ProxyRequest = { apiPath, raw: read, json: parseJsonBody(read) };
    // Before anything keeps a copy: a redacted value never reaches the log store or traces.
    if (deps.guardrails) request = await deps.guardrails.checkRequest(ctx, request);
    const { raw, json } = request as { raw: Buffer; json: Record<string, unknown> };
    deps.metrics.attributed(attribute(ctx, req.headers, json));
    ctx.trace?.request(json, apiPath);
    if (deps.config.requestLog.payloads) capturePayloads(req, res, ctx, raw, deps.config.providers);
    if (requiresModel && (typeof json.model !== 'string' || json.model === '') && !pinnedWithoutModel(req, ctx, deps)) {
      throw new InvalidRequestError('missing_model', "The request body must name a 'model'.", 'model');
    }
    const metering = deps.meter(req, ctx, { apiPath, raw, json, model: undefined });
    if (metering) await metering;
    await proxyRequest(req, res, ctx, request, deps);
  };
}

/** X-Provider pins a provider whose URL names what runs, and the request goes to it untranslated. */
function pinnedWithoutModel(req: IncomingMessage, ctx: RequestContext, deps: RouteDeps): boolean {
  const header = req.headers['x-provider'];
  const provider = typeof header === 'string' ? deps.config.providers.get(header.trim().toLowerCase()) : undefined;
  return provider?.servesWithoutModel === true && provider.wireFormat === ctx.clientFormat;
}

/** Any other `/v1/*` call goes to the selected provider unchanged (files, batches, moderations…). */
function passThrough(deps: RouteDeps): Handler {
  return async (req, res, ctx) => {
    refuseEscapingPath(ctx.path);
    const raw = BODYLESS.has(ctx.method)
      ? undefined
      : await readBody(req, deps.config.maxBodyBytes, deps.config.clientBodyTimeoutMs);
    ctx.bytesIn = raw?.length ?? 0;
    const isJson = raw !== undefined && raw.length > 0 && String(req.headers['content-type'] ?? '').includes('json');
    const json = isJson ? tryParseJson(raw) : undefined;
    deps.metrics.attributed(attribute(ctx, req.headers, json));
    if (deps.config.requestLog.payloads) capturePayloads(req, res, ctx, raw, deps.config.providers);
    // Uploads (transcriptions, image edits) name their model in a form field: it routes and prices them.
    const model = raw && !json ? multipartField(raw, req.headers['content-type'], 'model') : undefined;
    const apiPath = ctx.path.slice(3);
    const metering = deps.meter(req, ctx, { apiPath, raw, json, model });
    if (metering) await metering;
    await proxyRequest(req, res, ctx, { apiPath, raw, json, model }, deps);
  };
}

/**
 * Dot segments and backslashes (which WHATWG URL parsers read as `/`) would let a client step
 * outside the provider's API root with the gateway's key: refused, raw or percent-encoded.
 */
function refuseEscapingPath(path: string): void {
  if (/\\|%5c/i.test(path)) throw new InvalidRequestError('invalid_path', 'The path must not contain backslashes.');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new InvalidRequestError('invalid_path', 'The path is not valid percent-encoding.');
  }
  if (/(^|\/)\.{1,2}(\/|$)/.test(decoded) || /\\|%5c|%2e/i.test(decoded) || !decoded.startsWith('/v1/'))
    throw new InvalidRequestError('invalid_path', 'The path must not contain dot segments.');
}

function tryParseJson(raw: Buffer): Record<string, unknown> | undefined {
  try {
    return parseJsonBody(raw);
  } catch {
    return undefined; // not ours to judge: the provider answers malformed bodies on unknown routes
  }
}
