/**
 * The JSON of AWS Bedrock's Converse API (`/model/{modelId}/converse` and `/converse-stream`) and of
 * the InvokeModel embedding bodies, as far as the gateway writes or reads it. The gateway builds the
 * requests; answers, stream payloads and errors are checked field by field before use (response.ts,
 * stream.ts, errors.ts), and these types name what those checks look for. Names and shapes follow the
 * Bedrock Runtime API reference (Converse, ConverseStream, ContentBlock, TokenUsage).
 */

/** A content block: an object keyed by its kind. Bytes travel base64-encoded in JSON. */
export type ConverseContentBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } } }
  | { document: { format: string; name: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | {
      toolResult: {
        toolUseId: string;
        content: ({ text: string } | { image: { format: string; source: { bytes: string } } })[];
        status?: 'error';
      };
    }
  | { reasoningContent: { reasoningText: { text: string; signature?: string } } | { redactedContent: string } }
  | { cachePoint: { type: 'default' } };

export type ConverseMessage = { role: 'user' | 'assistant'; content: ConverseContentBlock[] };

export type ConverseToolSpec = {
  toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } };
};

/** Converse has no "none" choice: leaving the tools out stands in for it. */
export type ConverseToolChoice =
  | { auto: Record<string, never> }
  | { any: Record<string, never> }
  | { tool: { name: string } };

export type ConverseToolConfig = { tools: ConverseToolSpec[]; toolChoice?: ConverseToolChoice };

export type ConverseInferenceConfig = {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
};

/** The body of `converse` and `converse-stream` (the same for both). */
export type ConverseRequest = {
  messages: ConverseMessage[];
  system?: ConverseContentBlock[];
  inferenceConfig?: ConverseInferenceConfig;
  toolConfig?: ConverseToolConfig;
  /** Model-family fields beyond Converse's own (Claude's `top_k` and `thinking`, Nova's `inferenceConfig.topK`). */
  additionalModelRequestFields?: Record<string, unknown>;
};

/** `usage` of an answer or of the stream's `metadata` event. Cache reads and writes are counted apart from `inputTokens`. */
export type ConverseUsage = {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
};

/** `stopReason` values of an answer and of the stream's `messageStop` event. */
export type ConverseStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'model_context_window_exceeded';

/** A whole `converse` answer. It carries no id and no model name. */
export type ConverseResponse = {
  output: { message: { role: 'assistant'; content: ConverseContentBlock[] } };
  stopReason: ConverseStopReason;
  usage: ConverseUsage;
  metrics: { latencyMs: number };
  /** Claude's own `stop_sequence` comes back here (flat, or under `delta` in streams). */
  additionalModelResponseFields?: Record<string, unknown>;
};

/**
 * The JSON payload of each ConverseStream event, by the name its message carries in the
 * `:event-type` header. Text and reasoning blocks have no `contentBlockStart`: they start with
 * their first delta.
 */
export type ConverseStreamEvents = {
  messageStart: { role: 'assistant' };
  contentBlockStart: { contentBlockIndex: number; start: { toolUse?: { toolUseId: string; name: string } } };
  contentBlockDelta: {
    contentBlockIndex: number;
    delta:
      | { text: string }
      | { toolUse: { input: string } }
      | { reasoningContent: { text: string } | { signature: string } | { redactedContent: string } };
  };
  contentBlockStop: { contentBlockIndex: number };
  messageStop: { stopReason: ConverseStopReason; additionalModelResponseFields?: Record<string, unknown> };
  metadata: { usage: ConverseUsage; metrics: { latencyMs: number } };
};

export type ConverseStreamEventType = keyof ConverseStreamEvents;

/** The `:exception-type` of a ConverseStream exception message, whose payload is a `BedrockErrorBody`. */
export type ConverseStreamExceptionType =
  | 'throttlingException'
  | 'validationException'
  | 'modelStreamErrorException'
  | 'internalServerException'
  | 'serviceUnavailableException'
  | 'modelTimeoutException';

/**
 * An error answer (and an exception message's payload). AWS spells the message `message` or
 * `Message`; the type travels in the `x-amzn-errortype` header, some bodies repeat it as
 * `__type` (`namespace#Type`).
 */
export type BedrockErrorBody = { message?: string; Message?: string; __type?: string };

/** InvokeModel body of Amazon Titan text and multimodal embeddings: one text per call. */
export type TitanEmbeddingRequest = {
  inputText: string;
  /** Titan text embeddings v2. */
  dimensions?: number;
  /** Titan multimodal embeddings. */
  embeddingConfig?: { outputEmbeddingLength: number };
};

export type TitanEmbeddingResponse = { embedding: number[]; inputTextTokenCount?: number };

/** InvokeModel body of Cohere Embed on Bedrock: Cohere's own fields, without `model`. */
export type BedrockCohereEmbedRequest = {
  texts: string[];
  input_type: string;
  embedding_types: ['float'];
  output_dimension?: number;
};

/** Cohere Embed's answer on Bedrock: a plain list (`embeddings_floats`) or a list per type (`embeddings_by_type`). */
export type BedrockCohereEmbedResponse = { embeddings: number[][] | { float: number[][] } };
