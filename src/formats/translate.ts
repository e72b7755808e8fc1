/**
 * The pair of formats for one request: the client's and a provider's. The proxy asks for a
 * `Translator` when a candidate speaks another wire format than the client; everything format-
 * specific happens behind it, in pure functions.
 */
import type { TokenUsage } from '../catalog/types.ts';
import { GatewayError, UpstreamMalformedError } from '../errors.ts';
import type { WireFormat } from '../providers/types.ts';
import { errorTypeOf } from './common/errors.ts';
import { isObject } from './common/json.ts';
import { CLIENT_FORMATS, type ClientFormat, clientSideOf, PROVIDER_FORMATS } from './index.ts';
import type { ChatRequest, ChatResponse, EmbeddingsRequest, ImagesRequest, StreamEvent } from './ir.ts';
import type {
  ClientChatFormat,
  ClientEmbeddingsFormat,
  ClientImagesFormat,
  ClientRoute,
  ClientSide,
  ProviderRequest,
  StreamDecoder,
  StreamEncoder,
} from './types.ts';

/** One translated exchange with one target: the request to send and how to read its answers. */
export interface Exchange {
  request: ProviderRequest;
  /** Client parameters this target goes without (they only tune how a provider works): reported, never silent. */
  dropped: string[];
  /** Set when the gateway answers itself instead of asking the provider (the client's JSON body). */
  localResponse?: string;
  /** A whole successful answer → the client's body, with its usage and model when known. */
  response(body: Buffer): { body: string; usage?: TokenUsage; model?: string };
  /** A fresh stream translation, when the client asked for a stream. */
  stream?(): StreamTranscoder;
  /** Set when the provider streams through a second request (see `ProviderChatFormat.followStream`). */
  followStream?(
    firstResponse: Buffer,
    baseUrl: string,
  ): { url: string; headers: Record<string, string>; transcoder: StreamTranscoder };
}

/**
 * A change to every answer of one request, in the IR (the guardrails' answer rules): a whole
 * answer at once, or a stream event by event (each event in, the events to send out).
 */
export interface AnswerFilter {
  response(response: ChatResponse): ChatResponse;
  stream(): (event: StreamEvent) => StreamEvent[];
}

/** What the catalog knows of the target model. */
export interface TargetLimits {
  /** The most the model can write: a larger `max_tokens` (Claude Code asks for 32000) is lowered to it. */
  maxOutputTokens?: number;
  /** `false` when the model cannot reason: a reasoning effort or budget (tuning) is dropped, not sent to be refused. */
  reasoning?: boolean;
}

/** Reads one request once (in the client's format) and prepares it for targets of other formats. */
export interface Translator {
  /** Whether the gateway can translate this request into `format`. */
  supports(format: WireFormat): boolean;
  /** Throws `UnsupportedParameterError` when the target cannot express the request. */
  prepare(format: WireFormat, model: string, target?: TargetLimits): Exchange;
}

/** The provider's error answer in `format`, as a GatewayError the client's format can render. */
export function translatedError(format: WireFormat, status: number, body: Buffer): GatewayError {
  const info = PROVIDER_FORMATS[format]?.chat.errorOf(status, body) ?? { message: body.toString('utf8').slice(0, 300) };
  return new GatewayError(status, info.code ?? 'upstream_error', info.message, errorTypeOf(status));
}

/**
 * The translator for a request to `apiPath` (below /v1) from a client speaking `clientFormat`,
 * or undefined when the endpoint is not one the gateway translates.
 */
export function translatorFor(
  apiPath: string,
  clientFormat: ClientFormat,
  body: Record<string, unknown> | undefined,
  route?: ClientRoute,
  filter?: AnswerFilter,
): Translator | undefined {
  if (!body) return undefined;
  const client = CLIENT_FORMATS[clientFormat];
  if (CHAT_PATHS[clientFormat].includes(apiPath)) return chatTranslator(client.chat, body, route, filter);
  if (client.generate && apiPath === '/api/generate') return chatTranslator(client.generate, body, route, filter);
  if (client.tokenCount && COUNT_TOKENS_PATHS[clientFormat] === apiPath)
    return tokenCountEstimator(client, body, route);
  if (client.embeddings && EMBEDDINGS_PATHS[clientFormat].includes(apiPath))
    return embeddingsTranslator(client.embeddings, body, route);
  if (client.images && apiPath === '/images/generations') return imagesTranslator(client.images, body);
  return undefined;
}

/** Each client format's chat, token-count and embeddings operations, by API path (below /v1, or the Gemini method). */
const CHAT_PATHS: Readonly<Record<ClientFormat, readonly string[]>> = {
  openai: ['/chat/completions'],
  anthropic: ['/messages'],
  'openai-responses': ['/responses'],
  gemini: [':generateContent', ':streamGenerateContent'],
  ollama: ['/api/chat'],
};
const COUNT_TOKENS_PATHS: Readonly<Partial<Record<ClientFormat, string>>> = {
  anthropic: '/messages/count_tokens',
  gemini: ':countTokens',
};
const EMBEDDINGS_PATHS: Readonly<Record<ClientFormat, readonly string[]>> = {
  openai: ['/embeddings'],
  anthropic: [],
  'openai-responses': [],
  gemini: [':embedContent', ':batchEmbedContents'],
  ollama: ['/api/embed', '/api/embeddings'],
};

/** The chat side that reads requests to `apiPath` in the client's format (Ollama's `/api/generate` has its own). */
export function chatSideFor(clientFormat: ClientFormat, apiPath: string): ClientChatFormat | undefined {
  const client = CLIENT_FORMATS[clientFormat];
  if (CHAT_PATHS[clientFormat].includes(apiPath)) return client.chat;
  return apiPath === '/api/generate' ? client.generate : undefined;
}

function chatTranslator(
  client: ClientChatFormat,
  body: Record<string, unknown>,
  route?: ClientRoute,
  filter?: AnswerFilter,
): Translator {
  let parsed: ChatRequest | undefined;
  const request = () => (parsed ??= client.parseRequest(body, route));
  return {
    supports: (format) => PROVIDER_FORMATS[format] !== undefined,
    prepare(format, model, target) {
      const provider = (PROVIDER_FORMATS[format] as NonNullable<(typeof PROVIDER_FORMATS)[WireFormat]>).chat;
      const { request: ir, dropped } = withinReasoning(
        withinOutputLimit(request(), target?.maxOutputTokens),
        target?.reasoning,
      );
      let built = provider.buildRequest(ir, model);
      // The client's own format (an answer filter reads it in the IR): its tuning parameters go as sent.
      const sameFormat = clientSideOf(format)?.chat === client;
      if (sameFormat && ir.tuning) built = { ...built, body: { ...built.body, ...ir.tuning } };
      return {
        request: built,
        dropped: [...(sameFormat ? [] : Object.keys(ir.tuning ?? {})), ...dropped, ...(built.dropped ?? [])],
        response(bytes) {
          const decoded = provider.decodeResponse(bytes, ir);
          const response = filter ? filter.response(decoded) : decoded;
          return {
            body: JSON.stringify(client.encodeResponse(response, ir)),
            ...(response.usage ? { usage: response.usage } : {}),
            model: response.model,
          };
        },
        ...(ir.stream
          ? {
              stream: () =>
                new StreamTranscoder(provider.streamDecoder(ir), client.streamEncoder(ir, route), filter?.stream()),
            }
          : {}),
        ...(ir.stream && provider.followStream
          ? {
              followStream(firstResponse: Buffer, baseUrl: string) {
                const { url, headers, decoder } = provider.followStream!(firstResponse, baseUrl, ir);
                return {
                  url,
                  headers,
                  transcoder: new StreamTranscoder(decoder, client.streamEncoder(ir, route), filter?.stream()),
                };
              },
            }
          : {}),
      };
    },
  };
}

/**
 * A token count (Anthropic's `/v1/messages/count_tokens`, Gemini's `:countTokens`) for a model of a
 * provider without that endpoint: an estimate of about four characters a token over the request's
 * text, so that clients such as Claude Code keep working (the answer says it is estimated in
 * `x-gateway-token-count: estimated`).
 */
function tokenCountEstimator(client: ClientSide, body: Record<string, unknown>, route?: ClientRoute): Translator {
  const encode = client.tokenCount as NonNullable<ClientSide['tokenCount']>;
  return {
    supports: (format) => clientSideOf(format) !== client,
    prepare() {
      // Gemini's countTokens takes `contents` alone or a whole `generateContentRequest`.
      const inner = isObject(body.generateContentRequest) ? body.generateContentRequest : body;
      const request = client.chat.parseRequest(inner, route);
      const text = JSON.stringify([request.system, request.messages, request.tools ?? []]);
      return {
        request: { path: '', body: {} },
        dropped: [],
        localResponse: JSON.stringify(encode(Math.ceil(text.length / 4))),
        response: () => ({ body: '' }),
      };
    },
  };
}

/**
 * A client written for one family of models asks for output budgets others cannot give (Claude
 * Code's 32000 is over GPT-4o's 16384 and DeepSeek's 8192, which answer 400). The model cannot
 * write more than its limit anyway, so asking for the limit changes nothing but the refusal.
 */
function withinOutputLimit(request: ChatRequest, maxOutputTokens: number | undefined): ChatRequest {
  if (!maxOutputTokens || request.maxTokens === undefined || request.maxTokens <= maxOutputTokens) return request;
  return { ...request, maxTokens: maxOutputTokens };
}

/**
 * Reasoning settings only tune how hard a model thinks; a model the catalog says cannot reason
 * (GPT-4.1 refuses `reasoning_effort`) goes without them, and the client's names for them are reported.
 */
function withinReasoning(
  request: ChatRequest,
  canReason: boolean | undefined,
): { request: ChatRequest; dropped: string[] } {
  const reasoning = request.reasoning;
  if (canReason !== false || !reasoning) return { request, dropped: [] };
  const { reasoning: _dropped, ...rest } = request;
  let names = ['reasoning_effort'];
  if (request.sourceFormat === 'anthropic')
    names = [
      ...(reasoning.budgetTokens !== undefined || reasoning.effort === undefined ? ['thinking'] : []),
      ...(reasoning.effort !== undefined ? ['output_config.effort'] : []),
    ];
  if (request.sourceFormat === 'gemini') names = ['generationConfig.thinkingConfig'];
  if (request.sourceFormat === 'ollama') names = ['think'];
  return { request: rest, dropped: names };
}

function embeddingsTranslator(
  client: ClientEmbeddingsFormat,
  body: Record<string, unknown>,
  route?: ClientRoute,
): Translator {
  let parsed: EmbeddingsRequest | undefined;
  return {
    supports: (format) => PROVIDER_FORMATS[format]?.embeddings !== undefined,
    prepare(format, model) {
      const request = (parsed ??= client.parseRequest(body, route));
      const embeddings = PROVIDER_FORMATS[format]?.embeddings;
      if (!embeddings)
        throw new GatewayError(400, 'capability_not_supported', `The '${format}' format has no embeddings.`);
      const built = embeddings.buildRequest(request, model);
      return {
        request: built,
        dropped: built.dropped ?? [],
        response(bytes) {
          const response = embeddings.decodeResponse(bytes, request);
          const usage = response.usage ? { inputTokens: response.usage.inputTokens, outputTokens: 0 } : undefined;
          return {
            body: JSON.stringify(client.encodeResponse(response, request)),
            ...(usage ? { usage } : {}),
            model: response.model,
          };
        },
      };
    },
  };
}

function imagesTranslator(client: ClientImagesFormat, body: Record<string, unknown>): Translator {
  let parsed: ImagesRequest | undefined;
  return {
    supports: (format) => PROVIDER_FORMATS[format]?.images !== undefined,
    prepare(format, model) {
      const request = (parsed ??= client.parseRequest(body));
      const images = PROVIDER_FORMATS[format]?.images;
      if (!images)
        throw new GatewayError(400, 'capability_not_supported', `The '${format}' format has no image generation.`);
      return {
        request: images.buildRequest(request, model),
        dropped: [],
        response: (bytes) => ({ body: JSON.stringify(client.encodeResponse(images.decodeResponse(bytes, request))) }),
      };
    },
  };
}

/**
 * A provider's stream in, the client's SSE events out, through IR events. Keeps the usage and
 * model it sees for pricing, and never throws: a provider's stream it cannot read becomes an error
 * event in the client's format. `closed` turns true once the client's stream is complete (its
 * end or an error event written): nothing more is to be sent.
 */
export class StreamTranscoder {
  readonly #decoder: StreamDecoder;
  readonly #encoder: StreamEncoder;
  readonly #filter: ((event: StreamEvent) => StreamEvent[]) | undefined;
  usage: TokenUsage | undefined;
  model: string | undefined;
  closed = false;
  /** The error the provider reported mid-stream, if any (for the log line). */
  error: GatewayError | undefined;

  constructor(decoder: StreamDecoder, encoder: StreamEncoder, filter?: (event: StreamEvent) => StreamEvent[]) {
    this.#decoder = decoder;
    this.#encoder = encoder;
    this.#filter = filter;
  }

  push(chunk: Uint8Array): string {
    return this.#run(() => this.#decoder.push(chunk));
  }

  /** The provider's body ended. */
  end(): string {
    return this.#run(() => this.#decoder.end());
  }

  #run(decode: () => StreamEvent[]): string {
    if (this.closed) return '';
    let events: StreamEvent[];
    try {
      events = decode();
    } catch (error) {
      const failure =
        error instanceof GatewayError ? error : new UpstreamMalformedError('the stream', (error as Error).message);
      events = [{ type: 'error', status: failure.status, code: failure.code, message: failure.message }];
    }
    if (this.#filter) events = events.flatMap(this.#filter);
    let out = '';
    for (const event of events) {
      if (this.closed) break;
      this.#observe(event);
      out += this.#encoder.encode(event);
    }
    return out;
  }

  #observe(event: StreamEvent): void {
    switch (event.type) {
      case 'start':
        if (event.model) this.model = event.model;
        break;
      case 'usage':
        this.usage = { inputTokens: 0, outputTokens: 0, ...this.usage, ...event.usage };
        break;
      case 'error':
        this.error = new GatewayError(event.status, event.code, event.message, errorTypeOf(event.status));
        this.closed = true;
        break;
      case 'end':
        this.closed = true;
        break;
    }
  }
}
