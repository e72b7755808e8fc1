/**
 * The JSON of Cohere's v2 API (`POST /v2/chat`, `POST /v2/embed`) as far as the gateway writes or
 * reads it. The gateway builds the requests; answers, stream events and errors are checked field by
 * field before use (response.ts, stream.ts, errors.ts), and these types name what those checks look
 * for. Names and shapes follow Cohere's v2 API reference (Chat, Chat with Streaming, Embed).
 */

export type CohereTextContent = { type: 'text'; text: string };
export type CohereThinkingContent = { type: 'thinking'; thinking: string };

export type CohereToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

export type CohereMessage =
  | { role: 'system'; content: CohereTextContent[] }
  | {
      role: 'user';
      content: (CohereTextContent | { type: 'image_url'; image_url: { url: string; detail?: string } })[];
    }
  | {
      role: 'assistant';
      /** The model's note, beside its tool calls, of what it is about to do. */
      tool_plan?: string;
      tool_calls?: CohereToolCall[];
      content?: (CohereTextContent | CohereThinkingContent)[];
    }
  | { role: 'tool'; tool_call_id: string; content: CohereTextContent[] };

export type CohereTool = {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
};

export type CohereThinking = { type: 'enabled'; token_budget: number } | { type: 'disabled' };

export type CohereResponseFormat = { type: 'json_object'; json_schema?: Record<string, unknown> };

/** The body of `POST /v2/chat`. */
export type CohereChatRequest = {
  model: string;
  messages: CohereMessage[];
  stream: boolean;
  tools?: CohereTool[];
  /** Cohere has no named choice: a named tool is forced by offering only it. */
  tool_choice?: 'REQUIRED' | 'NONE';
  strict_tools?: boolean;
  max_tokens?: number;
  temperature?: number;
  p?: number;
  k?: number;
  stop_sequences?: string[];
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  thinking?: CohereThinking;
  response_format?: CohereResponseFormat;
  /** Cohere's own parameters a client may send under their own names (`COHERE_NATIVE_PARAMETERS`). */
  documents?: unknown;
  citation_options?: unknown;
  safety_mode?: unknown;
};

/**
 * `usage` of an answer and of the stream's `message-end`: `tokens` counts everything the model read
 * (with Cohere's own instructions), `billed_units` what the caller pays for.
 */
export type CohereUsage = {
  billed_units?: { input_tokens?: number; output_tokens?: number };
  tokens?: { input_tokens?: number; output_tokens?: number };
  cached_tokens?: number;
};

export type CohereFinishReason = 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL' | 'ERROR' | 'TIMEOUT';

/** A whole `POST /v2/chat` answer. It does not name the model. */
export type CohereChatResponse = {
  id: string;
  message: {
    role: 'assistant';
    content?: (CohereTextContent | CohereThinkingContent)[];
    tool_plan?: string;
    tool_calls?: CohereToolCall[];
    citations?: unknown[];
  };
  finish_reason: CohereFinishReason;
  usage?: CohereUsage;
};

/**
 * The JSON data of each stream event (SSE), which names its kind in `type`. Deltas nest under
 * `delta.message`; a tool call's deltas carry `tool_calls` as one object, not a list.
 */
export type CohereStreamEvent =
  | { type: 'message-start'; id: string; delta: { message: { role: 'assistant' } } }
  | { type: 'content-start'; index: number; delta: { message: { content: CohereTextContent | CohereThinkingContent } } }
  | { type: 'content-delta'; index: number; delta: { message: { content: { text: string } | { thinking: string } } } }
  | { type: 'content-end'; index: number }
  | { type: 'tool-plan-delta'; delta: { message: { tool_plan: string } } }
  | { type: 'tool-call-start'; index: number; delta: { message: { tool_calls: CohereToolCall } } }
  | { type: 'tool-call-delta'; index: number; delta: { message: { tool_calls: { function: { arguments: string } } } } }
  | { type: 'tool-call-end'; index: number }
  | { type: 'citation-start' | 'citation-end'; index: number }
  | {
      type: 'message-end';
      delta: { finish_reason: CohereFinishReason; usage?: CohereUsage; error?: string };
    };

/** The body of `POST /v2/embed`; v2 requires `embedding_types`, of which the gateway asks for floats. */
export type CohereEmbedRequest = {
  model: string;
  texts: string[];
  input_type: string;
  embedding_types: ['float'];
  output_dimension?: number;
};

export type CohereEmbedResponse = {
  id: string;
  embeddings: { float: number[][] };
  meta?: { billed_units?: { input_tokens?: number } };
};

/** Cohere's error body (some add an `id`). */
export type CohereErrorBody = { message: string; id?: string };
