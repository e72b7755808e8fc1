/**
 * The one interface every provider folder implements. A provider describes itself: which
 * variables switch it on, where its API lives, how it authenticates, which wire format it
 * speaks. Nothing outside the folder knows these details.
 */
import type { Dispatcher } from 'undici';
import type { KeyPool } from './key-pool.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** The request/response format a provider's API speaks. Translation between them lives in src/formats. */
export type WireFormat =
  | 'openai'
  | 'openai-responses'
  | 'anthropic'
  | 'gemini'
  | 'cohere'
  | 'bedrock'
  | 'replicate'
  | 'ollama';

export interface Capabilities {
  chat: boolean;
  embeddings: boolean;
  images: boolean;
}

/** One environment variable a provider reads; README and .env.example list them. */
export interface EnvVar {
  name: string;
  description: string;
  /** Validated as an http(s) URL at start-up. */
  url?: boolean;
  /** A credential: never logged; not required when the provider is in pass-through mode. */
  secret?: boolean;
}

export interface ProviderSpec {
  /** The X-Provider value and model prefix, e.g. `azure-openai`. */
  id: string;
  displayName: string;
  wireFormat: WireFormat;
  /** Upstream base URL, in the same form as the base URL of the provider's official SDK. */
  defaultBaseUrl: string;
  /** `<envPrefix>_BASE_URL` overrides the base URL. */
  envPrefix: string;
  capabilities: Capabilities;
  /** Variables that switch the provider on: it is active when any one group is fully set. */
  activation: readonly (readonly string[])[];
  /** Every variable the provider reads, activation ones included. */
  env: readonly EnvVar[];
  /** Replaces the activation groups when "set" is not enough (the demo: only `DEMO=true` switches it on). */
  enabled?(env: Env): boolean;
  /**
   * Checks beyond the variables' shapes, run at start-up when the provider is active (e.g. that a
   * credentials file reads and parses). One line per problem, naming its variable, never its secret.
   */
  validate?(env: Env): string[];
  /** `<PREFIX>_AUTH_MODE` values it takes besides `key` and `passthrough` (e.g. `entra` on Azure). */
  authModes?: readonly string[];
  /** Builds the runtime provider. Only called when the provider is active. */
  create(env: Env): Provider;
}

/** A configured, active provider. Holds its credential: never log or serialise it whole. */
export interface Provider {
  readonly id: string;
  readonly wireFormat: WireFormat;
  readonly baseUrl: string;
  /** Headers carrying the provider's credential, in its own style (Bearer, api-key, …). */
  readonly authHeaders: Readonly<Record<string, string>>;
  /** Several keys (`<PREFIX>_API_KEY=k1,k2`): each request takes the next ready one instead of `authHeaders`. */
  readonly keyPool?: KeyPool;
  /**
   * Whether the API takes OpenAI's `stream_options: {include_usage: true}`. The gateway sets it
   * to learn the usage of every stream; providers that always report usage (or reject the field)
   * say false.
   */
  readonly acceptsStreamOptions: boolean;
  /** What the provider offers, from its spec; unknown (custom providers) means anything may be asked. */
  capabilities?: Capabilities;
  /**
   * The upstream URL for an OpenAI-style API path relative to `/v1` (e.g. `/chat/completions`),
   * the client's query string (`?a=b` or empty) and the request's model, if any.
   */
  url(path: string, search: string, model: string | undefined): string;
  /**
   * Its URL names what runs (a deployment in the path), so a request pinned to it by X-Provider in
   * its own wire format may leave out `model`.
   */
  readonly servesWithoutModel?: boolean;
  /**
   * Pass-through mode (`<PREFIX>_AUTH_MODE=passthrough`): the client's own credential headers go
   * to the provider untouched and no key is injected.
   */
  readonly passthrough?: boolean;
  /** Answers in-process instead of over the network (the demo provider); keyed by the base URL's origin. */
  readonly dispatcher?: Dispatcher;
  /** Headers sent when the client did not send them (lowercase names), e.g. an API version. */
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  /** Models served but absent from the catalog, listed live (e.g. what an Ollama server has pulled). */
  listModels?(): Promise<string[]>;
  /**
   * The wire format of one model, when a provider serves several (Vertex AI: Gemini natively,
   * Claude in Anthropic's format). Defaults to `wireFormat`.
   */
  wireFormatFor?(model: string | undefined): WireFormat;
  /**
   * Other client formats the API serves natively besides its wire format, e.g. OpenAI's and Azure
   * OpenAI's Responses API (`openai-responses`), Ollama's own `/api/*` next to its OpenAI-compatible
   * `/v1` (`ollama`): clients speaking one of them are passed through untranslated, where every
   * other provider gets the request translated.
   */
  readonly nativeFormats?: readonly WireFormat[];
  /**
   * Rewrites a JSON request on its way to this provider, translated or not: e.g. Vertex AI moves
   * the model into the URL and sets `anthropic_version`. `path` is then given to `url()`.
   */
  adaptRequest?(
    request: { path: string; body: Record<string, unknown> },
    target: { model: string | undefined; stream: boolean },
  ): { path: string; body: Record<string, unknown> };
  /**
   * Headers computed per request from the final URL and body, for credentials that are not a
   * fixed header (AWS SigV4 signatures, Google OAuth2 access tokens). Added after `authHeaders`.
   */
  authorize?(request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: Buffer | undefined;
  }): Promise<Record<string, string>>;
  /**
   * Where the credentials come from, found the way requests will find them (a cloud platform's
   * default chain: instance role, workload identity, managed identity…), e.g. `EC2 instance
   * metadata (IMDSv2)`; never the secret. Rejects with a CredentialsUnavailableError naming what
   * to set. `--check` and start-up run it; a provider whose chain finds nothing is left out.
   */
  credentialSource?(): Promise<string>;
}
