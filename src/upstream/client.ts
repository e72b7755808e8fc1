import { Agent, type Dispatcher } from 'undici';
import { GatewayError, UpstreamStreamError, UpstreamTimeoutError, UpstreamUnreachableError } from '../errors.ts';

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
  signal: AbortSignal;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * Sends requests to providers over one undici Agent, which keeps a keep-alive connection pool
 * per origin. Create one per gateway, close it on shutdown.
 */
export class UpstreamClient {
  readonly #agent: Agent;
  readonly #timeouts: UpstreamTimeouts;

  constructor(timeouts: UpstreamTimeouts) {
    this.#timeouts = timeouts;
    this.#agent = new Agent({
      connect: { timeout: timeouts.connectTimeoutMs ?? 10_000 },
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: timeouts.requestTimeoutMs,
      bodyTimeout: timeouts.streamIdleTimeoutMs,
    });
  }

  get timeouts(): UpstreamTimeouts {
    return this.#timeouts;
  }

  send(request: UpstreamRequest): Promise<UpstreamResponse> {
    return this.#agent.request({
      origin: new URL(request.url).origin,
      path: request.url.slice(request.url.indexOf('/', request.url.indexOf('//') + 2)),
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      headersTimeout: this.#timeouts.requestTimeoutMs,
      bodyTimeout: this.#timeouts.streamIdleTimeoutMs,
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async destroy(): Promise<void> {
    await this.#agent.destroy();
  }
}

/** Turns a network-level failure talking to a provider into the error the client should see. */
export function upstreamFailure(error: unknown, providerId: string, timeouts: UpstreamTimeouts, phase: 'headers' | 'body'): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new UpstreamTimeoutError(providerId, timeouts.requestTimeoutMs, 'headers');
  if (code === 'UND_ERR_BODY_TIMEOUT') return new UpstreamTimeoutError(providerId, timeouts.streamIdleTimeoutMs, 'stream');
  const detail = describeNetworkError(error);
  return phase === 'headers' ? new UpstreamUnreachableError(providerId, detail) : new UpstreamStreamError(providerId, detail);
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
