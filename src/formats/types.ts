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
  /** Throws `InvalidRequestError` for malformed requests. `route`: what the path says (formats with a `readRoute`). */
  parseRequest(body: Record<string, unknown>, route?: ClientRoute): ChatRequest;
  encodeResponse(response: ChatResponse, request: ChatRequest): Record<string, unknown>;
  streamEncoder(request: ChatRequest, route?: ClientRoute): StreamEncoder;
}

/** How a format frames a stream on the wire: SSE events, or one JSON object a line (NDJSON). */
export interface StreamFraming {
  /** The content type of such a stream; an upstream answer of this type is relayed event by event. */
  contentType: string;
  /** What ends one event (any of them). */
  separators: readonly string[];
}

export const SSE_FRAMING: StreamFraming = {
  contentType: 'text/event-stream; charset=utf-8',
  separators: ['\n\n', '\r\n\r\n'],
};

/**
 * What a request's path and query say, for formats that put there what others put in the body
 * (Gemini: `/v1beta/models/{model}:streamGenerateContent?alt=sse`).
 */
export interface ClientRoute {
  /** The operation, e.g. `:generateContent`: what the translator and the capability check go by. */
  apiPath: string;
  /** The model as the client named it ('' when the call names none). */
  model: string;
  stream: boolean;
  /** The provider path for a target speaking this same format, for its model (query included). */
  nativePath(model: string): string;
  /** The stream's framing, when not the format's usual one. */
  framing?: StreamFraming;
  /** A target of the client's own format is translated too (its stream is only read as SSE). */
  translated?: boolean;
  /** The mid-stream error event, when the framing needs another than the format's. */
  streamErrorEvent?(error: GatewayError): string;
}

/** A model as the gateway lists it (its `/v1/models` entry); formats list them in their own shape. */
export interface ListedModel {
  /** `provider/model` */
  id: string;
  owned_by: string;
  context_window: number | null;
  max_output_tokens: number | null;
  mode: string;
}

/** Model listing in a format's own shape (Gemini's `models.list`, Ollama's `/api/tags`). */
export interface ClientModelsFormat {
  list(models: ListedModel[]): Record<string, unknown>;
  one(model: ListedModel): Record<string, unknown>;
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
  parseRequest(body: Record<string, unknown>, route?: ClientRoute): EmbeddingsRequest;
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
  /** Whether a request body asks for a stream; `stream: true` when unset (Ollama streams unless told not to). */
  isStream?(apiPath: string, body: Record<string, unknown> | undefined): boolean;
  /** The framing of this format's streams; SSE when unset. */
  streamFraming?: StreamFraming;
  /** Reads model calls whose model and method are in the path; undefined for a path that is none. */
  readRoute?(method: string, path: string, search: string): ClientRoute | undefined;
  /** Prompt completion on the chat machinery (Ollama's `/api/generate`). */
  generate?: ClientChatFormat;
  /** The answer to a token count the gateway estimates itself (for targets without the endpoint). */
  tokenCount?(tokens: number): Record<string, unknown>;
  models?: ClientModelsFormat;
  /**
   * The provider whose own API this format is (Ollama's `/api/*`): a request that no header,
   * prefix, route, catalog entry or model family sends elsewhere goes there, when it is active.
   */
  readonly nativeProvider?: string;
  /** GET paths this format's clients probe that the gateway answers itself (Ollama's `/api/version`). */
  localAnswers?: Readonly<Record<string, () => Record<string, unknown>>>;
}

/** What a format folder (`src/formats/<format>/index.ts`) exports: its client side, its provider side, or both. */
export interface WireFormatSpec {
  client?: ClientSide;
  provider?: ProviderSide;
}
