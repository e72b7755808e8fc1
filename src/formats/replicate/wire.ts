/**
 * The JSON of Replicate's predictions API as far as the gateway writes or reads it. The gateway
 * builds the create requests; predictions, stream event data and errors are checked field by field
 * before use (response.ts, stream.ts, errors.ts), and these types name what those checks look for.
 * Names and shapes follow Replicate's HTTP API reference (Create a prediction, the prediction
 * object, Streaming output).
 */

/**
 * A language model's input. Models name their inputs alike but not identically; each ignores the
 * names it does not have (so the limit goes as both `max_tokens` and `max_new_tokens`).
 */
export type ReplicateChatInput = {
  prompt: string;
  system_prompt?: string;
  max_tokens?: number;
  max_new_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  /** One comma-separated string. */
  stop_sequences?: string;
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  /** Vision models: one image, as a URL or a data URL. */
  image?: string;
};

/** An image model's input (FLUX, Stable Diffusion, …): the size as `width`/`height` or `aspect_ratio`. */
export type ReplicateImageInput = {
  prompt: string;
  num_outputs?: number;
  width?: number;
  height?: number;
  aspect_ratio?: string;
};

/**
 * The body of `POST /models/{owner}/{name}/predictions` (no `version`) or `POST /predictions`
 * (with the `version` it runs).
 */
export type ReplicatePredictionRequest<Input> = { version?: string; input: Input; stream?: true };

export type ReplicatePredictionStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';

/** A prediction, as the create request (with `Prefer: wait`, once finished) answers it. */
export type ReplicatePrediction = {
  id: string;
  model: string;
  version: string;
  status: ReplicatePredictionStatus;
  input: Record<string, unknown>;
  /** Language models: the tokens as a list of strings (some models: one string). Image models: URLs. */
  output: unknown;
  error: string | null;
  logs?: string;
  created_at: string;
  started_at?: string | null;
  completed_at?: string | null;
  metrics?: { predict_time?: number; total_time?: number; input_token_count?: number; output_token_count?: number };
  /** `stream` only when the prediction was created with `stream: true` and the model can stream. */
  urls: { get: string; cancel: string; stream?: string; web?: string };
};

/**
 * The data of each SSE event of `urls.stream`, by event name: `output` is plain text (a token),
 * the others JSON.
 */
export type ReplicateStreamEvents = {
  output: string;
  /** `detail` by the reference; `error` is read too, as some models' servers name it so. */
  error: { detail?: string; error?: string };
  done: { reason?: 'canceled' | 'error' };
};

/** Replicate's error bodies are problem details (some carry only `detail`). */
export type ReplicateErrorBody = { title?: string; detail: unknown; status?: number };
