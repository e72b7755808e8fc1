/**
 * Ollama `/api/chat` and `/api/generate` requests → IR (Ollama API reference: "Generate a chat
 * completion", "Generate a completion"). `keep_alive` and model-loading options only tune the
 * Ollama server: dropped and reported for other targets.
 */
import { InvalidRequestError } from '../../errors.ts';
import { isObject, type Json, optionalNumber } from '../common/json.ts';
import { mergeTurns } from '../common/messages.ts';
import { leftoverParams } from '../common/refuse.ts';
import type { AssistantPart, ChatRequest, Message, ToolDefinition, UserPart } from '../ir.ts';

const CHAT_HANDLED = new Set(['model', 'messages', 'tools', 'format', 'options', 'stream', 'think']);
const GENERATE_HANDLED = new Set(['model', 'prompt', 'system', 'images', 'format', 'options', 'stream', 'think']);
const TUNING = new Set(['keep_alive', 'truncate', 'shift']);
const OPTIONS_HANDLED = new Set([
  'temperature',
  'top_p',
  'top_k',
  'num_predict',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
]);
/** Options that size or place the model on the Ollama server; they change nothing of the answer elsewhere. */
const OPTIONS_TUNING = new Set([
  'num_ctx',
  'num_batch',
  'num_gpu',
  'main_gpu',
  'num_thread',
  'use_mmap',
  'use_mlock',
  'numa',
  'low_vram',
  'num_keep',
]);

/** Ollama streams unless the body says `stream: false`. */
export const isStream = (_apiPath: string, body: Json | undefined): boolean => body?.stream !== false;

export function parseChatRequest(body: Json): ChatRequest {
  if (!Array.isArray(body.messages))
    throw new InvalidRequestError('invalid_request', "'messages' must be an array.", 'messages');
  const system: ChatRequest['system'] = [];
  const pending = new Map<string, string[]>();
  let calls = 0;
  const messages: Message[] = [];
  for (const [i, message] of body.messages.entries()) {
    if (!isObject(message))
      throw new InvalidRequestError('invalid_request', 'Each message must be an object.', 'messages');
    const text = typeof message.content === 'string' ? message.content : '';
    switch (message.role) {
      case 'system':
        system.push({ type: 'text', text });
        break;
      case 'user':
        messages.push({ role: 'user', content: [...textPart(text), ...imagesOf(message.images)] });
        break;
      case 'assistant': {
        const content: AssistantPart[] = [];
        if (typeof message.thinking === 'string' && message.thinking)
          content.push({ type: 'reasoning', text: message.thinking });
        content.push(...textPart(text));
        for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
          const fn = isObject(call) && isObject(call.function) ? call.function : {};
          const name = String(fn.name ?? '');
          const id = isObject(call) && typeof call.id === 'string' && call.id ? call.id : `call_${i}_${calls}`;
          calls++;
          pending.set(name, [...(pending.get(name) ?? []), id]);
          const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
          content.push({ type: 'tool-call', id, name, arguments: args });
        }
        messages.push({ role: 'assistant', content });
        break;
      }
      case 'tool': {
        // Ollama answers tool calls by name (`tool_name`), not by id: the n-th answer to a name is its n-th call's.
        const name = typeof message.tool_name === 'string' ? message.tool_name : undefined;
        const queue = name === undefined ? [...pending.values()].find((q) => q.length) : pending.get(name);
        const id = queue?.shift();
        if (id === undefined)
          throw new InvalidRequestError(
            'invalid_tool_result',
            `messages[${i}]: a tool message must follow an assistant tool call${name ? ` of '${name}'` : ''}.`,
            'messages',
          );
        const part: UserPart = { type: 'tool-result', toolCallId: id, name, content: [{ type: 'text', text }] };
        messages.push({ role: 'user', content: [part] });
        break;
      }
      default:
        throw new InvalidRequestError(
          'invalid_request',
          `Message roles must be system, user, assistant or tool, not '${String(message.role)}'.`,
          'messages',
        );
    }
  }
  const request = baseRequest(body, CHAT_HANDLED, system, messages);
  const tools = toolsOf(body.tools);
  if (tools.length) request.tools = tools;
  return request;
}

/** `/api/generate`: one prompt (with its images) and an optional system prompt. `raw`, `template`, `suffix` and `context` have no IR form. */
export function parseGenerateRequest(body: Json): ChatRequest {
  if (typeof body.prompt !== 'string')
    throw new InvalidRequestError('invalid_request', "'prompt' must be a string.", 'prompt');
  const system = typeof body.system === 'string' && body.system ? [{ type: 'text' as const, text: body.system }] : [];
  const user: Message = { role: 'user', content: [...textPart(body.prompt), ...imagesOf(body.images)] };
  return baseRequest(body, GENERATE_HANDLED, system, [user]);
}

function baseRequest(body: Json, handled: ReadonlySet<string>, system: ChatRequest['system'], messages: Message[]) {
  if (typeof body.model !== 'string' || !body.model)
    throw new InvalidRequestError('missing_model', "The request body must name a 'model'.", 'model');
  const { unmapped, tuning } = leftoverParams(body, handled, TUNING);
  const options = isObject(body.options) ? body.options : {};
  const leftover = leftoverParams(options, OPTIONS_HANDLED, OPTIONS_TUNING);
  for (const [key, value] of Object.entries(leftover.unmapped)) unmapped[`options.${key}`] = value;
  for (const [key, value] of Object.entries(leftover.tuning)) tuning[`options.${key}`] = value;
  const request: ChatRequest = {
    model: body.model,
    system,
    messages: mergeTurns(messages),
    stream: body.stream !== false,
    // Ollama's final line always carries the counts.
    includeUsage: true,
    sourceFormat: 'ollama',
    unmapped,
    ...(Object.keys(tuning).length ? { tuning } : {}),
  };
  const number = (key: string) => optionalNumber(options[key], `options.${key}`);
  const set = <K extends keyof ChatRequest>(key: K, value: ChatRequest[K] | undefined) => {
    if (value !== undefined) request[key] = value;
  };
  set('temperature', number('temperature'));
  set('topP', number('top_p'));
  set('topK', number('top_k'));
  set('seed', number('seed'));
  set('presencePenalty', number('presence_penalty'));
  set('frequencyPenalty', number('frequency_penalty'));
  const predict = number('num_predict');
  // -1 is Ollama's "no limit".
  if (predict !== undefined && predict > 0) request.maxTokens = predict;
  if (Array.isArray(options.stop) && options.stop.length) request.stop = options.stop.map(String);
  if (body.format === 'json') request.responseFormat = { type: 'json' };
  else if (isObject(body.format))
    request.responseFormat = { type: 'json-schema', name: 'response', schema: body.format };
  else if (body.format !== undefined && body.format !== '' && body.format !== null)
    throw new InvalidRequestError('invalid_request', '\'format\' must be "json" or a JSON schema.', 'format');
  if (body.think === true) request.reasoning = { effort: 'medium' };
  else if (body.think === false) request.reasoning = false;
  else if (body.think === 'low' || body.think === 'medium' || body.think === 'high')
    request.reasoning = { effort: body.think };
  return request;
}

const textPart = (text: string): { type: 'text'; text: string }[] => (text ? [{ type: 'text', text }] : []);

/** Ollama's images are bare base64; the media type is read from the data's first bytes. */
function imagesOf(images: unknown): UserPart[] {
  if (!Array.isArray(images)) return [];
  return images.map((data) => ({
    type: 'image' as const,
    source: { kind: 'base64' as const, mediaType: mediaTypeOf(String(data)), data: String(data) },
  }));
}

function mediaTypeOf(base64: string): string {
  if (base64.startsWith('iVBOR')) return 'image/png';
  if (base64.startsWith('R0lGOD')) return 'image/gif';
  if (base64.startsWith('UklGR')) return 'image/webp';
  return 'image/jpeg';
}

function toolsOf(value: unknown): ToolDefinition[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidRequestError('invalid_request', "'tools' must be an array.", 'tools');
  return value.map((tool): ToolDefinition => {
    const fn = isObject(tool) && isObject(tool.function) ? tool.function : undefined;
    if (!fn || typeof fn.name !== 'string')
      throw new InvalidRequestError(
        'invalid_request',
        "Each tool must be {type: 'function', function: {name, …}}.",
        'tools',
      );
    return {
      name: fn.name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      parameters: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
    };
  });
}
