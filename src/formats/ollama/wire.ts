/** The JSON of Ollama's native API (`/api/chat`, `/api/generate`, `/api/embed`, `/api/tags`), as far as the gateway writes it. */

export interface OllamaToolCall {
  function: { name: string; arguments: Record<string, unknown> };
}

export interface OllamaMessage {
  role: 'assistant';
  content: string;
  thinking?: string;
  tool_calls?: OllamaToolCall[];
}

/** The counts and durations (nanoseconds) every final answer carries. */
export interface OllamaMetrics {
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
}

interface OllamaAnswerBase {
  model: string;
  created_at: string;
  done: boolean;
  done_reason?: 'stop' | 'length' | 'load' | 'unload';
}

export interface OllamaChatAnswer extends OllamaAnswerBase, Partial<OllamaMetrics> {
  message: OllamaMessage;
}

export interface OllamaGenerateAnswer extends OllamaAnswerBase, Partial<OllamaMetrics> {
  response: string;
  thinking?: string;
}

export interface OllamaModel {
  name: string;
  model: string;
  modified_at: string;
  size: number;
  digest: string;
  details: {
    parent_model: string;
    format: string;
    family: string;
    families: string[];
    parameter_size: string;
    quantization_level: string;
  };
}
