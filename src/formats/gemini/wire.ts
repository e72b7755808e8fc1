/**
 * The JSON of Google's Gemini API (generateContent, streamGenerateContent, countTokens,
 * embedContent, batchEmbedContents, models), as far as the gateway reads or writes it. What comes
 * in (a client's request, a provider's answer) stays `unknown` until checked; these types describe
 * what the gateway sends: requests to Gemini-format providers, answers, stream chunks and errors
 * to Gemini clients. Names and shapes follow the Gemini API reference.
 */

export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: { id?: string; name: string; args: Record<string, unknown> };
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> };
}

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

// ——— Requests (GenerateContentRequest) ———

/** A JSON Schema in Gemini's OpenAPI-subset form (schema.ts converts to it). */
export type GeminiSchema = Record<string, unknown>;

export type GeminiFunctionDeclaration = {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
};

export type GeminiTool = { functionDeclarations: GeminiFunctionDeclaration[] };

export type GeminiFunctionCallingConfig = {
  mode: 'AUTO' | 'ANY' | 'NONE';
  allowedFunctionNames?: string[];
};

export type GeminiThinkingConfig = { thinkingBudget?: number; includeThoughts?: boolean };

export type GeminiGenerationConfig = {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: 'application/json';
  responseSchema?: GeminiSchema;
  thinkingConfig?: GeminiThinkingConfig;
};

export type GenerateContentRequest = {
  contents: GeminiContent[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: GeminiTool[];
  toolConfig?: { functionCallingConfig: GeminiFunctionCallingConfig };
  generationConfig?: GeminiGenerationConfig;
};

export type EmbedContentRequest = {
  model: string;
  content: { parts: { text: string }[] };
  taskType?: string;
  outputDimensionality?: number;
};

export type BatchEmbedContentsRequest = { requests: EmbedContentRequest[] };

// ——— Answers ———

export type GeminiFinishReason = 'STOP' | 'MAX_TOKENS' | 'SAFETY' | 'MALFORMED_FUNCTION_CALL' | 'OTHER';

export interface GeminiUsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

export interface GenerateContentResponse {
  candidates: { content: GeminiContent; finishReason?: GeminiFinishReason; index: number }[];
  usageMetadata?: GeminiUsageMetadata;
  modelVersion: string;
  responseId: string;
}

/** One element of `streamGenerateContent` (an SSE event's data, or one item of the JSON array). */
export type GenerateContentChunk = GenerateContentResponse;

/** `embedContent` answers one embedding, `batchEmbedContents` a list. */
export type ContentEmbedding = { values: number[] };
export type EmbedContentResponse = { embedding: ContentEmbedding };
export type BatchEmbedContentsResponse = { embeddings: ContentEmbedding[] };

/** `countTokens`, as the gateway answers it when it estimates. */
export type CountTokensResponse = { totalTokens: number };

/** Google's error body: `code` is the HTTP status, `status` the google.rpc.Code name. */
export interface GoogleErrorBody {
  error: { code: number; message: string; status: string };
}

export interface GeminiModel {
  name: string;
  baseModelId: string;
  version: string;
  displayName: string;
  description: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  supportedGenerationMethods: string[];
}
