/**
 * The intermediate representation between wire formats: a format-neutral chat request, response
 * and stream of events. Each wire format translates to and from it, so N formats need N
 * translators, not N². It is a superset of what the formats express; a format that cannot express
 * something it is given throws an `UnsupportedParameterError` naming the client's parameter rather
 * than dropping it.
 */
import type { TokenUsage } from '../catalog/types.ts';

export type { TokenUsage };

export interface TextPart {
  type: 'text';
  text: string;
  /** Anthropic prompt caching marker, carried between formats that have it. */
  cacheControl?: Record<string, unknown>;
}

export type ImageSource = { kind: 'base64'; mediaType: string; data: string } | { kind: 'url'; url: string };

export interface ImagePart {
  type: 'image';
  source: ImageSource;
  /** OpenAI's `detail` (low/high/auto); formats without it ignore it (it only tunes cost). */
  detail?: string;
}

/** A document, e.g. a PDF, given inline. */
export interface FilePart {
  type: 'file';
  mediaType: string;
  /** base64 */
  data: string;
  filename?: string;
}

export interface ToolCallPart {
  type: 'tool-call';
  id: string;
  name: string;
  /** The arguments as JSON text, as the model produced them. */
  arguments: string;
}

export interface ToolResultPart {
  type: 'tool-result';
  toolCallId: string;
  /** The called tool's name, looked up from the call (Gemini needs it). */
  name: string | undefined;
  content: (TextPart | ImagePart)[];
  isError?: boolean;
}

/** The model's visible reasoning; `signature`/`redacted` are Anthropic's opaque proofs, replayed as-is. */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
  /** Anthropic `redacted_thinking` data. */
  redacted?: string;
}

export type UserPart = TextPart | ImagePart | FilePart | ToolResultPart;
export type AssistantPart = TextPart | ToolCallPart | ReasoningPart;

export type Message =
  | { role: 'user'; content: UserPart[] }
  | { role: 'assistant'; content: AssistantPart[] }
  /**
   * A system (developer) message in the middle of the conversation, at its position (Anthropic's
   * mid-conversation system messages). Formats that only take instructions up front hoist it into
   * `system` (`hoistSystem` in common/messages.ts).
   */
  | { role: 'system'; content: TextPart[] };

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  strict?: boolean;
  /**
   * How the client declared the tool when the IR's function stands in for something else (a
   * Responses client's function inside a `namespace`, or its `custom` freeform tool, taking one
   * string): the client format gives the model's calls back in that shape. Targets ignore it.
   */
  declared?: { kind: 'function' | 'custom'; name: string; namespace?: string };
}

export type ToolChoice = { type: 'auto' } | { type: 'none' } | { type: 'required' } | { type: 'tool'; name: string };

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';

export type ResponseFormat =
  | { type: 'json' }
  | { type: 'json-schema'; name: string; schema: Record<string, unknown>; description?: string; strict?: boolean };

export interface ChatRequest {
  /** The model as the client named it (the target's model is given to the builder separately). */
  model: string;
  /** System and developer instructions, in order. */
  system: TextPart[];
  /** User/assistant turns (and positioned system messages); tool results are user parts, tool calls assistant parts. */
  messages: Message[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  /** An end-user id for the provider's abuse monitoring. */
  user?: string;
  /** Extended thinking: an effort (OpenAI style) or a token budget (Anthropic style); `false` turns it off. */
  reasoning?: { effort?: ReasoningEffort; budgetTokens?: number } | false;
  responseFormat?: ResponseFormat;
  /** Sampling parameters only some formats have. */
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  /** Number of choices; only 1 is expressible outside the OpenAI format. */
  n?: number;
  stream: boolean;
  /** The client asked for usage in its stream (OpenAI `stream_options.include_usage`). */
  includeUsage: boolean;
  /** The wire format the client spoke: `unmapped` parameters are named in it. */
  sourceFormat: 'openai' | 'anthropic' | 'openai-responses' | 'gemini' | 'ollama';
  /**
   * Client parameters with no slot in the IR that change the result, by their name in the
   * client's format. Only a target speaking `sourceFormat` can honour them (as they are); others
   * refuse them with an `UnsupportedParameterError`.
   */
  unmapped: Record<string, unknown>;
  /**
   * Client parameters with no slot in the IR that only tune how the provider works (effort hints,
   * context management, service tiers, betas), by their name in the client's format. A translated
   * request goes without them, and the gateway lists each in `x-gateway-dropped-params`
   * (docs/translation.md, "parameters without a counterpart").
   */
  tuning?: Record<string, unknown>;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export interface ChatResponse {
  id: string;
  model: string;
  content: AssistantPart[];
  finishReason: FinishReason;
  /** The provider's stop sequence that ended the answer, when it says. */
  stopSequence?: string;
  usage: TokenUsage | undefined;
}

/**
 * One step of a streamed answer. Tool calls are keyed by `index`, their position among the
 * answer's tool calls (0, 1, …), which every format can derive.
 */
export type StreamEvent =
  | { type: 'start'; id: string; model: string }
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  | { type: 'reasoning-signature'; signature: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; arguments: string }
  | { type: 'tool-call-end'; index: number }
  | { type: 'finish'; reason: FinishReason; stopSequence?: string }
  /** Usage so far; later ones replace earlier ones field by field. */
  | { type: 'usage'; usage: Partial<TokenUsage> }
  /** The provider reported an error mid-stream. `status` is the HTTP status that best describes it. */
  | { type: 'error'; status: number; code: string; message: string }
  /** The provider's stream ended normally. */
  | { type: 'end' };

export interface EmbeddingsRequest {
  model: string;
  /** Texts to embed (OpenAI's token-array inputs are refused by formats that cannot take them). */
  input: string[];
  dimensions?: number;
  /** What the client wants back; vectors are converted to base64 by the client format when asked. */
  encodingFormat?: 'float' | 'base64';
  /** Cohere/Gemini-style purpose (`search_document`, `search_query`, …), from the non-standard `input_type`. */
  inputType?: string;
  user?: string;
  /** The client asked for one embedding, answered as one rather than as a list (Gemini's embedContent, Ollama's /api/embeddings). */
  single?: boolean;
}

export interface EmbeddingsResponse {
  model: string;
  embeddings: number[][];
  usage: { inputTokens: number } | undefined;
}

export interface ImagesRequest {
  model: string | undefined;
  prompt: string;
  n?: number;
  size?: string;
  quality?: string;
  responseFormat?: 'url' | 'b64_json';
  /** Other OpenAI image parameters, by name, that the target must honour or refuse. */
  unmapped: Record<string, unknown>;
}

export interface ImagesResponse {
  created: number;
  images: { url?: string; b64Json?: string; revisedPrompt?: string }[];
}
