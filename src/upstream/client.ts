import { type Dispatcher, Pool } from 'undici';
import { GatewayError, UpstreamStreamError, UpstreamTimeoutError, UpstreamUnreachableError } from '../errors.ts';

export interface UpstreamOptions extends UpstreamTimeouts {
  /** Dispatchers answering in-process, by origin (the demo provider): used instead of a pool. */
  local?: ReadonlyMap<string, Dispatcher>;
}

export interface UpstreamTimeouts {
  /** Until the response headers arrive. */
  requestTimeoutMs: number;
  /** Between two chunks of the response body. */
  streamIdleTimeoutMs: number;
  connectTimeoutMs?: number;
}

export interface UpstreamRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/**
 * Sends requests to providers over one undici keep-alive connection pool per origin. Create one
 * per gateway, close it on shutdown. (A map of pools rather than an undici Agent: the gateway knows
 * its origins, and the Agent's extra dispatch layer showed in profiles.)
 */
export class UpstreamClient {
  readonly #pools = new Map<string, Dispatcher>();
  readonly #timeouts: UpstreamTimeouts;

  constructor({ local, ...timeouts }: UpstreamOptions) {
    this.#timeouts = timeouts;
    for (const [origin, dispatcher] of local ?? []) this.#pools.set(origin, dispatcher);
  }

  #pool(origin: string): Dispatcher {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connect: { timeout: this.#timeouts.connectTimeoutMs ?? 10_000 },
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        headersTimeout: this.#timeouts.requestTimeoutMs,
        bodyTimeout: this.#timeouts.streamIdleTimeoutMs,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  get timeouts(): UpstreamTimeouts {
    return this.#timeouts;
  }

  /**
   * Sends a request; the handler receives the response as it arrives. The low-level dispatch API
   * is used rather than `request()` because the gateway relays bytes as they come and needs no
   * Readable stream or promise per chunk in between.
   */
  dispatch(request: UpstreamRequest, handler: Dispatcher.DispatchHandler): void {
    // Split by hand: URLs here are built by the gateway itself, and URL parsing costs per request.
    const pathStart = request.url.indexOf('/', request.url.indexOf('//') + 2);
    const origin = pathStart < 0 ? request.url : request.url.slice(0, pathStart);
    this.#pool(origin).dispatch(
      {
        origin,
        path: pathStart < 0 ? '/' : request.url.slice(pathStart),
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body,
        headersTimeout: this.#timeouts.requestTimeoutMs,
        bodyTimeout: this.#timeouts.streamIdleTimeoutMs,
      },
      handler,
    );
  }

  /**
   * Sends a request and reads its whole answer: for the rare first step of a two-step exchange
   * (a Replicate prediction whose stream is then fetched), never for what is relayed.
   */
  async fetchWhole(
    request: UpstreamRequest,
    signal: AbortSignal,
    headersTimeoutMs: number,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    const url = new URL(request.url);
    const response = await this.#pool(url.origin).request({
      path: url.pathname + url.search,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers,
      body: request.body,
      signal,
      headersTimeout: headersTimeoutMs,
      bodyTimeout: this.#timeouts.streamIdleTimeoutMs,
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: Buffer.from(await response.body.arrayBuffer()),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.destroy()));
  }
}

/** Turns a network-level failure talking to a provider into the error the client should see. */
export function upstreamFailure(
  error: unknown,
  providerId: string,
  timeouts: UpstreamTimeouts,
  phase: 'headers' | 'body',
): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT')
    return new UpstreamTimeoutError(providerId, timeouts.requestTimeoutMs, 'headers');
  if (code === 'UND_ERR_BODY_TIMEOUT')
    return new UpstreamTimeoutError(providerId, timeouts.streamIdleTimeoutMs, 'stream');
  const detail = describeNetworkError(error);
  return phase === 'headers'
    ? new UpstreamUnreachableError(providerId, detail)
    : new UpstreamStreamError(providerId, detail);
}

function describeNetworkError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection closed by the provider';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timed out';
    default:
      // Network errors from undici/node carry no request data, so the message holds no credential.
      return code ? `${code}${message ? ` (${message})` : ''}` : (message ?? 'unknown error');
  }
}
