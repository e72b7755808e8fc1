/**
 * The interfaces every wire format implements: a client side (how clients speaking it are read
 * and answered) and a provider side (how providers speaking it are asked and read). The proxy
 * and the HTTP layer see only these, never a format's own JSON.
 */
import type { TokenUsage } from '../catalog/types.ts';
import type { GatewayError } from '../errors.ts';
import type {
  ChatRequest,
  ChatResponse,
  EmbeddingsRequest,
  EmbeddingsResponse,
  ImagesRequest,
  ImagesResponse,
  StreamEvent,
} from './ir.ts';

/** The usage of a whole (non-streamed) answer and the model the provider says answered. */
export interface ResponseUsage {
  usage: TokenUsage;
  model: string | undefined;
}

/** Reads usage from a stream as whole SSE events pass by; may drop events (returns the bytes to send). */
export interface StreamUsage {
  readonly usage: TokenUsage | undefined;
  readonly model: string | undefined;
  events(bytes: Buffer): Buffer;
}

/** Provider bytes in, IR events out; keeps its own state for one stream. */
export interface StreamDecoder {
  push(chunk: Uint8Array): StreamEvent[];
  /** The upstream body ended. */
  end(): StreamEvent[];
}

/** IR events in, the client's SSE text out (whole events only); keeps its own state for one stream. */
export interface StreamEncoder {
  encode(event: StreamEvent): string;
}

/** An error the provider answered with, read from its body. */
export interface UpstreamErrorInfo {
  message: string;
  /** The provider's error type or code, e.g. `rate_limit_error`. */
  code?: string;
}

/** The request to send a provider: a path under its API root (given to `Provider.url`) and a JSON body. */
export interface ProviderRequest {
  path: string;
  body: Record<string, unknown>;
  /** Extra request headers the format needs (e.g. Replicate's `Prefer: wait`). */
  headers?: Record<string, string>;
  /** Client parameters the builder left out because the target has no counterpart and they only tune how it works. */
  dropped?: string[];
}

/** Chat on a client format: read requests, write answers and streams. */
export interface ClientChatFormat {
  /** Throws `InvalidRequestError` for malformed requests. */
  parseRequest(body: Record<string, unknown>): ChatRequest;
  encodeResponse(response: ChatResponse, request: ChatRequest): Record<string, unknown>;
  streamEncoder(request: ChatRequest): StreamEncoder;
}

/** What a provider-facing wire format does: write requests, read answers, streams and errors. */
export interface ProviderChatFormat {
  /** `model` is the target's model id. Throws `UnsupportedParameterError` for what it cannot express. */
  buildRequest(request: ChatRequest, model: string): ProviderRequest;
  /** `request` is what was asked (e.g. a JSON answer the builder requested as a forced tool call). */
  decodeResponse(body: Buffer, request: ChatRequest): ChatResponse;
  streamDecoder(request: ChatRequest): StreamDecoder;
  errorOf(status: number, body: Buffer): UpstreamErrorInfo;
  /**
   * For APIs whose stream is a second request (Replicate: create a prediction, then GET its
   * stream URL): given the first request's whole successful answer and the provider's base URL,
   * the GET to send (plus the provider's auth headers) and the decoder of its body. Throws the
   * GatewayError the client should get when the answer cannot be streamed.
   */
  followStream?(
    firstResponse: Buffer,
    baseUrl: string,
    request: ChatRequest,
  ): { url: string; headers: Record<string, string>; decoder: StreamDecoder };
}

export interface ProviderEmbeddingsFormat {
  buildRequest(request: EmbeddingsRequest, model: string): ProviderRequest;
  decodeResponse(body: Buffer, request: EmbeddingsRequest): EmbeddingsResponse;
}

export interface ProviderImagesFormat {
  buildRequest(request: ImagesRequest, model: string | undefined): ProviderRequest;
  decodeResponse(body: Buffer, request: ImagesRequest): ImagesResponse;
}

/** Everything the gateway can translate into one provider wire format. */
export interface ProviderSide {
  chat: ProviderChatFormat;
  embeddings?: ProviderEmbeddingsFormat;
  images?: ProviderImagesFormat;
}

/** Embeddings on a client format: read requests, write answers. */
export interface ClientEmbeddingsFormat {
  parseRequest(body: Record<string, unknown>): EmbeddingsRequest;
  encodeResponse(response: EmbeddingsResponse, request: EmbeddingsRequest): Record<string, unknown>;
}

/** Image generation on a client format: read requests, write answers. */
export interface ClientImagesFormat {
  parseRequest(body: Record<string, unknown>): ImagesRequest;
  encodeResponse(response: ImagesResponse): Record<string, unknown>;
}

/**
 * Everything the gateway needs to serve clients that speak one wire format: read their requests
 * and write answers, streams and errors in its shape (for any provider, through the IR), and read
 * the usage of a provider's answer in this format when it is relayed untranslated.
 */
export interface ClientSide {
  chat: ClientChatFormat;
  embeddings?: ClientEmbeddingsFormat;
  images?: ClientImagesFormat;
  /** A complete error response body in this format's shape. */
  errorBody(error: GatewayError): string;
  /** One stream event reporting an error mid-stream, in this format's shape. */
  streamErrorEvent(error: GatewayError): string;
  /** The usage of a whole answer relayed as it is. */
  usageOfResponse(body: Buffer): ResponseUsage | undefined;
  /** `gatewayAskedForUsage`: the gateway added a usage request the client did not make; undo its visible effect. */
  streamUsage(gatewayAskedForUsage: boolean): StreamUsage;
  /**
   * Whether a stream in this format reports its usage only when asked (Chat Completions'
   * `stream_options.include_usage`, which the gateway then adds to pass-through requests).
   */
  readonly asksForStreamUsage: boolean;
}

/** What a format folder (`src/formats/<format>/index.ts`) exports: its client side, its provider side, or both. */
export interface WireFormatSpec {
  client?: ClientSide;
  provider?: ProviderSide;
}
