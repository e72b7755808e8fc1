/**
 * The JSON of OpenAI's Chat Completions API as the gateway writes it to clients (and reads it from
 * OpenAI-compatible providers, where every field is checked before use: see response.ts, stream.ts).
 * Names and shapes follow OpenAI's API reference.
 */

/** `usage` of an OpenAI chat completion (also Chat Completions-compatible providers). */
export interface OpenAIChatUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

export type OpenAIToolCall = {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
};

export type OpenAIAssistantMessage = {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  /** DeepSeek's and xAI's name for visible reasoning, which OpenAI-format clients read. */
  reasoning_content?: string;
  tool_calls?: OpenAIToolCall[];
};

/** A whole `chat.completion` answer. */
export type OpenAIChatCompletion = {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: number; message: OpenAIAssistantMessage; logprobs: null; finish_reason: string }[];
  usage?: OpenAIChatUsage;
};

/** One delta of a streamed answer's first choice. */
export type OpenAIChunkDelta = {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: { index: number; id?: string; type?: 'function'; function: { name?: string; arguments: string } }[];
};

/** One `chat.completion.chunk` event of a stream. */
export type OpenAIChatCompletionChunk = {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: number; delta: OpenAIChunkDelta; logprobs?: null; finish_reason: string | null }[];
  usage?: OpenAIChatUsage | null;
};

/** OpenAI's error body, which every OpenAI SDK parses. */
export type OpenAIErrorBody = {
  error: { message: string; type: string; param: string | null | undefined; code: string | null | undefined };
};

/** A `POST /v1/embeddings` answer; `embedding` is base64 (little-endian float32s) when asked for. */
export type OpenAIEmbeddingsResponse = {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
};

/** A `POST /v1/images/generations` answer. */
export type OpenAIImagesResponse = {
  created: number;
  data: { url?: string; b64_json?: string; revised_prompt?: string }[];
};
