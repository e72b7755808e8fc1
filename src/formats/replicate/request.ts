/**
 * Chat on Replicate's language models, which take a prompt rather than messages, and where any
 * prediction is created (chat and images). Facts from Replicate's HTTP API reference:
 * `POST /models/{owner}/{name}/predictions` (official models) or `POST /predictions` with a
 * `version` (`owner/name:version`); `Prefer: wait` holds the answer until the prediction finishes
 * (up to 60 s). The input names
 * follow the conventions of Replicate's language models (Meta Llama 3, Mistral, …): `prompt`,
 * `system_prompt`, `max_tokens` (`max_new_tokens` on older models), `temperature`, `top_p`,
 * `top_k`, `stop_sequences` (one comma-separated string), `seed`, `presence_penalty`,
 * `frequency_penalty`, and `image` on vision models.
 */
import { InvalidRequestError, UnsupportedParameterError } from '../../errors.ts';
import { imageAsUrl } from '../common/images.ts';
import { joinText } from '../common/messages.ts';
import { clientParam, refuseIfSet, unmappedFor } from '../common/refuse.ts';
import type { ChatRequest, ImagePart, Message } from '../ir.ts';
import type { ProviderRequest } from '../types.ts';
import type { ReplicateChatInput, ReplicatePredictionRequest } from './wire.ts';

export const REPLICATE = 'Replicate (predictions API)';

/**
 * Where to create a prediction of `model`, and the body fields that name it. `owner/name` runs the
 * model's current version; `owner/name:version` (or a bare version id) pins a version.
 */
export function predictionTarget(model: string | undefined): {
  path: string;
  body: Pick<ReplicatePredictionRequest<unknown>, 'version'>;
} {
  if (!model)
    throw new InvalidRequestError(
      'model_required',
      'Replicate needs a model, as owner/name or owner/name:version.',
      'model',
    );
  if (model.includes(':') || !model.includes('/')) {
    if (!model.includes(':') && !/^[0-9a-f]{64}$/.test(model)) {
      throw new InvalidRequestError(
        'invalid_model',
        `Replicate models are named owner/name (or owner/name:version), not '${model}'.`,
        'model',
      );
    }
    return { path: '/predictions', body: { version: model } };
  }
  const [owner, name] = model.split('/', 2) as [string, string];
  return { path: `/models/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/predictions`, body: {} };
}

/** Holds the create request until the prediction is done, so one request gets the whole answer. */
export const WAIT_HEADERS = { prefer: 'wait' };

function refuseInexpressible(request: ChatRequest): void {
  unmappedFor(request, 'replicate', REPLICATE);
  if (request.tools?.length && request.toolChoice?.type !== 'none')
    throw new UnsupportedParameterError('tools', REPLICATE, 'Replicate models take a prompt and have no tool calling');
  refuseIfSet(REPLICATE, { [clientParam(request, 'response_format', 'output_format')]: request.responseFormat });
  if (request.n !== undefined && request.n !== 1)
    throw new UnsupportedParameterError('n', REPLICATE, 'a prediction returns one answer');
  if (request.stop?.some((stop) => stop.includes(','))) {
    throw new UnsupportedParameterError(
      clientParam(request, 'stop', 'stop_sequences'),
      REPLICATE,
      'stop sequences travel comma-separated, so none may contain a comma',
    );
  }
  for (const message of request.messages) {
    for (const part of message.content) {
      if (part.type === 'tool-call' || part.type === 'tool-result')
        throw new UnsupportedParameterError(
          'messages',
          REPLICATE,
          'tool calls and results cannot be expressed in a prompt',
        );
      if (part.type === 'file')
        throw new UnsupportedParameterError(
          clientParam(request, 'file', 'document'),
          REPLICATE,
          'documents cannot be expressed in a prompt',
        );
    }
  }
}

const LABELS = { user: 'User', assistant: 'Assistant', system: 'System' } as const;

/**
 * The prompt for the messages. A single user message is the prompt as it is, which the model's
 * own chat template then wraps; a longer conversation is written out as a labelled transcript.
 * Earlier reasoning is left out: it was the model's scratch work, not the conversation.
 */
export function promptOf(messages: readonly Message[]): string {
  const only = messages.length === 1 ? messages[0] : undefined;
  if (only?.role === 'user') return joinText(only.content, '\n');
  return messages.map((message) => `${LABELS[message.role]}: ${joinText(message.content, '\n')}`).join('\n\n');
}

/** Replicate's vision models take one image, as `image` (a URL or a data URL). */
function imageOf(request: ChatRequest): string | undefined {
  const images = request.messages.flatMap((message) =>
    message.content.filter((part): part is ImagePart => part.type === 'image'),
  );
  if (images.length > 1)
    throw new UnsupportedParameterError(
      clientParam(request, 'image_url', 'image'),
      REPLICATE,
      'Replicate vision models take a single image',
    );
  return images[0] ? imageAsUrl(images[0].source) : undefined;
}

function replicateInput(request: ChatRequest): ReplicateChatInput {
  const input: ReplicateChatInput = { prompt: promptOf(request.messages) };
  const system = joinText(request.system, '\n\n');
  const optional: Omit<ReplicateChatInput, 'prompt'> = {
    system_prompt: system || undefined,
    // Replicate's models name the limit either way; each ignores the name it does not have.
    max_tokens: request.maxTokens,
    max_new_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    top_k: request.topK,
    stop_sequences: request.stop?.length ? request.stop.join(',') : undefined,
    seed: request.seed,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    image: imageOf(request),
  };
  for (const [name, value] of Object.entries(optional))
    if (value !== undefined) Object.assign(input, { [name]: value });
  return input;
}

/**
 * Creates the prediction. Unstreamed, `Prefer: wait` makes this one request return the finished
 * prediction; streamed, it returns at once with the `urls.stream` to follow (see stream.ts).
 */
export function buildRequest(request: ChatRequest, model: string): ProviderRequest {
  refuseInexpressible(request);
  const target = predictionTarget(model);
  const body: ReplicatePredictionRequest<ReplicateChatInput> = { ...target.body, input: replicateInput(request) };
  if (request.stream) body.stream = true;
  // There is no reasoning setting on Replicate models; an effort or budget only tuned it.
  const dropped = request.reasoning ? [clientParam(request, 'reasoning_effort', 'thinking')] : [];
  return {
    path: target.path,
    body,
    ...(request.stream ? {} : { headers: { ...WAIT_HEADERS } }),
    ...(dropped.length ? { dropped } : {}),
  };
}
