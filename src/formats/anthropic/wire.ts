/**
 * The JSON of Anthropic's Messages API as the gateway writes it to clients (and reads it from
 * Anthropic-format providers, where every field is checked before use: see response.ts, stream.ts).
 * Names and shapes follow Anthropic's API reference.
 */

/** `usage` of an Anthropic message. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  /** cache writes by lifetime */
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  /** `standard`, `priority` or `batch` */
  service_tier?: string | null;
}

export type AnthropicContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** A whole `message` answer. */
export type AnthropicMessage = {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
};

/** Anthropic's error body, which the Anthropic SDKs parse. */
export type AnthropicErrorBody = { type: 'error'; error: { type: string; message: string } };
