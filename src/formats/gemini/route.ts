/**
 * Gemini's model calls carry the model and the method in the path
 * (`/v1beta/models/{model}:streamGenerateContent?alt=sse`), and its model listing has its own shape.
 */
import { InvalidRequestError } from '../../errors.ts';
import type { ClientModelsFormat, ClientRoute, ListedModel, StreamFraming } from '../types.ts';
import { errorBody } from './errors.ts';
import { modelMethodPath } from './request.ts';
import type { GeminiModel } from './wire.ts';

const METHODS = ['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents'];
const CALL = /^\/v1(?:beta)?\/(?:models|tunedModels)\/(.+):([A-Za-z]+)$/;

/** `streamGenerateContent` without `?alt=sse`: one JSON array, its elements written as they come. */
const JSON_ARRAY_FRAMING: StreamFraming = { contentType: 'application/json; charset=utf-8', separators: ['\n'] };

/** The model call a path names; `openai/gpt-4o` may come as it is or percent-encoded (`openai%2Fgpt-4o`). */
export function readRoute(method: string, path: string, search: string): ClientRoute | undefined {
  const match = method === 'POST' ? CALL.exec(path) : null;
  if (!match || !METHODS.includes(match[2] as string)) return undefined;
  let model: string;
  try {
    model = decodeURIComponent(match[1] as string);
  } catch {
    throw new InvalidRequestError('invalid_path', 'The model in the path is not valid percent-encoding.');
  }
  const call = match[2] as string;
  const stream = call === 'streamGenerateContent';
  const sse = new URLSearchParams(search).get('alt') === 'sse';
  return {
    apiPath: `:${call}`,
    model,
    stream,
    nativePath: (target) => modelMethodPath(target, stream && sse ? `${call}?alt=sse` : call),
    ...(stream && !sse
      ? {
          framing: JSON_ARRAY_FRAMING,
          // The gateway reads Gemini streams as SSE only: the array is written by the encoder.
          translated: true,
          streamErrorEvent: arrayStreamErrorEvent,
        }
      : {}),
  };
}

/** A mid-stream error inside a JSON-array stream closes the array. */
const arrayStreamErrorEvent = (error: Parameters<typeof errorBody>[0]) => `\n,${errorBody(error)}\n]`;

function geminiModel(model: ListedModel): GeminiModel {
  return {
    name: `models/${model.id}`,
    baseModelId: model.id,
    version: '001',
    displayName: model.id,
    description: `${model.id}, served by the gateway through provider '${model.owned_by}'.`,
    ...(model.context_window ? { inputTokenLimit: model.context_window } : {}),
    ...(model.max_output_tokens ? { outputTokenLimit: model.max_output_tokens } : {}),
    supportedGenerationMethods:
      model.mode === 'embedding'
        ? ['embedContent', 'batchEmbedContents']
        : ['generateContent', 'streamGenerateContent', 'countTokens'],
  };
}

export const models: ClientModelsFormat = {
  list: (listed) => ({ models: listed.map(geminiModel) }),
  one: (model) => geminiModel(model) as unknown as Record<string, unknown>,
};
