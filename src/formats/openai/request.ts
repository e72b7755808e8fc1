/**
 * OpenAI Chat Completions requests ⇄ IR: reading an OpenAI client's request (`parseOpenAIRequest`)
 * and writing one for an OpenAI-compatible provider (`buildOpenAIRequest`).
 */
import { createHash } from 'node:crypto';
import { InvalidRequestError, UnsupportedParameterError } from '../../errors.ts';
import { dataUrl, imageAsUrl, imageSourceOfUrl, inlineFilePart } from '../common/images.ts';
import { isObject, type Json, optionalNumber } from '../common/json.ts';
import { joinText, mergeTurns } from '../common/messages.ts';
import { budgetToEffort } from '../common/reasoning.ts';
import { leftoverParams, unmappedFor } from '../common/refuse.ts';
import type {
  AssistantPart,
  ChatRequest,
  Message,
  ReasoningEffort,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDefinition,
  UserPart,
} from '../ir.ts';
import type { ProviderRequest } from '../types.ts';

const TARGET = 'OpenAI-compatible providers';

/** Parameters read into the IR. */
const HANDLED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'user',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'response_format',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'n',
]);

/** Bookkeeping and hints with no effect on the answer's content: dropped (and reported) when translated. */
const TUNING = new Set([
  'store',
  'metadata',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'safety_identifier',
  'prediction',
]);

/** Values that ask for nothing (clients often send defaults explicitly): no reason to refuse them. */
function isNoOp(key: string, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  switch (key) {
    case 'logprobs':
      return value === false;
    case 'top_logprobs':
      return value === 0;
    case 'logit_bias':
      return isObject(value) && Object.keys(value).length === 0;
    case 'modalities':
      return Array.isArray(value) && value.every((m) => m === 'text');
    default:
      return false;
  }
}

const EFFORTS = new Set(['minimal', 'low', 'medium', 'high']);

function textOf(content: unknown, param: string): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content))
    throw new InvalidRequestError(
      'invalid_messages',
      `'${param}' must be a string or an array of text parts.`,
      'messages',
    );
  return content.map((part) => {
    if (isObject(part) && (part.type === 'text' || part.type === 'refusal')) {
      const text = part.type === 'text' ? part.text : part.refusal;
      return {
        type: 'text',
        text: String(text ?? ''),
        ...(isObject(part.cache_control) ? { cacheControl: part.cache_control } : {}),
      };
    }
    throw new InvalidRequestError('invalid_messages', `'${param}' may only hold text parts.`, 'messages');
  });
}

function userParts(content: unknown): UserPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content))
    throw new InvalidRequestError('invalid_messages', 'A user message needs string or array content.', 'messages');
  return content.map((part): UserPart => {
    if (!isObject(part))
      throw new InvalidRequestError('invalid_messages', 'Content parts must be objects.', 'messages');
    switch (part.type) {
      case 'text':
        return {
          type: 'text',
          text: String(part.text ?? ''),
          ...(isObject(part.cache_control) ? { cacheControl: part.cache_control } : {}),
        };
      case 'image_url': {
        const url = isObject(part.image_url) ? part.image_url.url : part.image_url;
        if (typeof url !== 'string')
          throw new InvalidRequestError('invalid_messages', 'An image_url part needs image_url.url.', 'messages');
        const detail =
          isObject(part.image_url) && typeof part.image_url.detail === 'string' ? part.image_url.detail : undefined;
        return { type: 'image', source: imageSourceOfUrl(url), ...(detail ? { detail } : {}) };
      }
      case 'file':
        return inlineFilePart(
          isObject(part.file) ? part.file : {},
          'messages',
          TARGET_OTHER,
          'file parts must carry file_data as a base64 data URL (file_id cannot be translated)',
        );
      default:
        throw new UnsupportedParameterError(
          'messages',
          TARGET_OTHER,
          `content parts of type '${String(part.type)}' cannot be translated`,
        );
    }
  });
}

/** What a translated OpenAI request is going to: named in errors about what cannot cross over. */
const TARGET_OTHER = 'this provider (the request is translated from the OpenAI format)';

function assistantParts(message: Json): AssistantPart[] {
  const parts: AssistantPart[] = [];
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === 'string' && reasoning) parts.push({ type: 'reasoning', text: reasoning });
  if (message.content !== null && message.content !== undefined)
    parts.push(...textOf(message.content, 'messages[].content').filter((p) => p.text !== ''));
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    if (!Array.isArray(message.tool_calls))
      throw new InvalidRequestError('invalid_messages', "'tool_calls' must be an array.", 'messages');
    for (const call of message.tool_calls) {
      if (
        !isObject(call) ||
        !isObject(call.function) ||
        typeof call.id !== 'string' ||
        typeof call.function.name !== 'string'
      ) {
        throw new InvalidRequestError('invalid_messages', 'Each tool call needs an id and function.name.', 'messages');
      }
      parts.push({
        type: 'tool-call',
        id: call.id,
        name: call.function.name,
        arguments: String(call.function.arguments ?? ''),
      });
    }
  }
  if (message.function_call) throw new UnsupportedParameterError('function_call', TARGET_OTHER, 'use tool_calls');
  return parts;
}

function readMessages(raw: unknown): { system: TextPart[]; messages: Message[] } {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new InvalidRequestError('invalid_messages', "'messages' must be a non-empty array.", 'messages');
  const system: TextPart[] = [];
  const messages: Message[] = [];
  const toolNames = new Map<string, string>();
  for (const message of raw) {
    if (!isObject(message))
      throw new InvalidRequestError('invalid_messages', 'Each message must be an object.', 'messages');
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...textOf(message.content, 'messages[].content'));
        break;
      case 'user':
        messages.push({ role: 'user', content: userParts(message.content) });
        break;
      case 'assistant': {
        const content = assistantParts(message);
        for (const part of content) if (part.type === 'tool-call') toolNames.set(part.id, part.name);
        messages.push({ role: 'assistant', content });
        break;
      }
      case 'tool': {
        if (typeof message.tool_call_id !== 'string')
          throw new InvalidRequestError('invalid_messages', "A tool message needs 'tool_call_id'.", 'messages');
        const content =
          typeof message.content === 'string'
            ? [{ type: 'text' as const, text: message.content }]
            : textOf(message.content, 'messages[].content');
        messages.push({
          role: 'user',
          content: [
            {
              type: 'tool-result',
              toolCallId: message.tool_call_id,
              name: toolNames.get(message.tool_call_id),
              content,
            },
          ],
        });
        break;
      }
      case 'function':
        throw new UnsupportedParameterError(
          'messages',
          TARGET_OTHER,
          "'function' messages are deprecated; use tool messages",
        );
      default:
        throw new InvalidRequestError(
          'invalid_messages',
          `Unknown message role '${String(message.role)}'.`,
          'messages',
        );
    }
  }
  return { system, messages: mergeTurns(messages) };
}

function readTools(raw: unknown): ToolDefinition[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new InvalidRequestError('invalid_tools', "'tools' must be an array.", 'tools');
  return raw.map((tool) => {
    if (
      !isObject(tool) ||
      tool.type !== 'function' ||
      !isObject(tool.function) ||
      typeof tool.function.name !== 'string'
    ) {
      throw new UnsupportedParameterError('tools', TARGET_OTHER, "only tools of type 'function' can be translated");
    }
    const fn = tool.function;
    return {
      name: tool.function.name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      parameters: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
      ...(typeof fn.strict === 'boolean' ? { strict: fn.strict } : {}),
    };
  });
}

function readToolChoice(raw: unknown): ToolChoice | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'auto' || raw === 'none' || raw === 'required') return { type: raw };
  if (isObject(raw) && isObject(raw.function) && typeof raw.function.name === 'string')
    return { type: 'tool', name: raw.function.name };
  throw new InvalidRequestError(
    'invalid_tool_choice',
    "'tool_choice' must be 'auto', 'none', 'required' or {type:'function',function:{name}}.",
    'tool_choice',
  );
}

function readResponseFormat(raw: unknown): ResponseFormat | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw))
    throw new InvalidRequestError('invalid_response_format', "'response_format' must be an object.", 'response_format');
  if (raw.type === 'text') return undefined;
  if (raw.type === 'json_object') return { type: 'json' };
  if (raw.type === 'json_schema' && isObject(raw.json_schema) && isObject(raw.json_schema.schema)) {
    const spec = raw.json_schema;
    return {
      type: 'json-schema',
      name: typeof spec.name === 'string' ? spec.name : 'response',
      schema: raw.json_schema.schema,
      ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
      ...(typeof spec.strict === 'boolean' ? { strict: spec.strict } : {}),
    };
  }
  throw new InvalidRequestError(
    'invalid_response_format',
    "'response_format' must be text, json_object or json_schema with a schema.",
    'response_format',
  );
}

function readStop(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw) && raw.every((s) => typeof s === 'string')) return raw;
  throw new InvalidRequestError('invalid_stop', "'stop' must be a string or an array of strings.", 'stop');
}

function readReasoning(raw: unknown): ChatRequest['reasoning'] {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'none') return false;
  if (raw === 'xhigh') return { effort: 'high' };
  if (typeof raw === 'string' && EFFORTS.has(raw)) return { effort: raw as ReasoningEffort };
  throw new InvalidRequestError(
    'invalid_reasoning_effort',
    "'reasoning_effort' must be none, minimal, low, medium or high.",
    'reasoning_effort',
  );
}

export function parseRequest(body: Json): ChatRequest {
  const { system, messages } = readMessages(body.messages);
  const { unmapped, tuning } = leftoverParams(body, HANDLED, TUNING, isNoOp);
  const request: ChatRequest = {
    model: String(body.model),
    system,
    messages,
    stream: body.stream === true,
    includeUsage: isObject(body.stream_options) && body.stream_options.include_usage === true,
    sourceFormat: 'openai',
    unmapped,
    ...(Object.keys(tuning).length ? { tuning } : {}),
  };
  const set = <K extends keyof ChatRequest>(key: K, value: ChatRequest[K] | undefined) => {
    if (value !== undefined) request[key] = value;
  };
  set('tools', readTools(body.tools));
  set('toolChoice', readToolChoice(body.tool_choice));
  if (typeof body.parallel_tool_calls === 'boolean') request.parallelToolCalls = body.parallel_tool_calls;
  set(
    'maxTokens',
    optionalNumber(body.max_completion_tokens, 'max_completion_tokens') ??
      optionalNumber(body.max_tokens, 'max_tokens'),
  );
  set('temperature', optionalNumber(body.temperature, 'temperature'));
  set('topP', optionalNumber(body.top_p, 'top_p'));
  set('topK', optionalNumber(body.top_k, 'top_k'));
  set('stop', readStop(body.stop));
  if (typeof body.user === 'string') request.user = body.user;
  set('reasoning', readReasoning(body.reasoning_effort));
  set('responseFormat', readResponseFormat(body.response_format));
  set('seed', optionalNumber(body.seed, 'seed'));
  set('frequencyPenalty', optionalNumber(body.frequency_penalty, 'frequency_penalty'));
  set('presencePenalty', optionalNumber(body.presence_penalty, 'presence_penalty'));
  set('n', optionalNumber(body.n, 'n'));
  return request;
}

/** OpenAI's reasoning models take only `max_completion_tokens`; other providers know `max_tokens`. */
const USES_MAX_COMPLETION_TOKENS = /^(o\d|gpt-5|gpt-4\.1)/;

function openAIUserMessages(content: UserPart[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const rest: Record<string, unknown>[] = [];
  for (const part of content) {
    if (part.type === 'tool-result') {
      const text = part.content
        .filter((p) => p.type === 'text')
        .map((p) => p.text)
        .join('\n');
      out.push({
        role: 'tool',
        tool_call_id: part.toolCallId,
        content: part.isError && !text.startsWith('Error') ? `Error: ${text}` : text,
      });
      // Tool messages carry text only: the result's images follow in a user message.
      for (const image of part.content) if (image.type === 'image') rest.push(openAIImage(imageAsUrl(image.source)));
    } else if (part.type === 'text') {
      rest.push({ type: 'text', text: part.text });
    } else if (part.type === 'image') {
      rest.push(openAIImage(imageAsUrl(part.source), part.detail));
    } else {
      rest.push({
        type: 'file',
        file: { file_data: dataUrl(part.mediaType, part.data), ...(part.filename ? { filename: part.filename } : {}) },
      });
    }
  }
  if (rest.length) {
    const onlyText = rest.every((p) => p.type === 'text');
    out.push({ role: 'user', content: onlyText ? rest.map((p) => p.text).join('\n\n') : rest });
  }
  return out;
}

const openAIImage = (url: string, detail?: string) => ({
  type: 'image_url',
  image_url: { url, ...(detail ? { detail } : {}) },
});

function openAIAssistantMessage(content: AssistantPart[]): Record<string, unknown> {
  const text = content
    .filter((p) => p.type === 'text')
    .map((p) => p.text)
    .join('');
  const calls = content.filter((p) => p.type === 'tool-call');
  // Earlier reasoning is not sent back: OpenAI-compatible APIs do not take it (DeepSeek refuses it).
  return {
    role: 'assistant',
    content: text || (calls.length ? null : ''),
    ...(calls.length
      ? {
          tool_calls: calls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.name, arguments: c.arguments || '{}' },
          })),
        }
      : {}),
  };
}

function openAIToolChoice(choice: ToolChoice): unknown {
  return choice.type === 'tool' ? { type: 'function', function: { name: choice.name } } : choice.type;
}

/**
 * OpenAI takes a `user` of at most 64 characters (OpenRouter 128); Claude Code's `metadata.user_id`
 * is about 150. A longer id is sent as its SHA-256 (64 hex characters): still one stable, opaque id
 * per user for abuse monitoring, instead of a 400 on every request.
 */
const userId = (id: string) => (id.length <= 64 ? id : createHash('sha256').update(id).digest('hex'));

export function buildRequest(request: ChatRequest, model: string): ProviderRequest {
  const messages: Record<string, unknown>[] = [];
  if (request.system.length) messages.push({ role: 'system', content: request.system.map((p) => p.text).join('\n\n') });
  for (const message of request.messages) {
    if (message.role === 'user') messages.push(...openAIUserMessages(message.content));
    // A mid-conversation system message keeps its position (OpenAI reads it as a developer message).
    else if (message.role === 'system') messages.push({ role: 'system', content: joinText(message.content, '\n\n') });
    else messages.push(openAIAssistantMessage(message.content));
  }
  const body: Record<string, unknown> = { model, messages };
  if (request.maxTokens !== undefined)
    body[USES_MAX_COMPLETION_TOKENS.test(model) ? 'max_completion_tokens' : 'max_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  // Not OpenAI's own, but several compatible APIs (vLLM, Together, Fireworks) take it; the others say so.
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.stop?.length) body.stop = request.stop;
  if (request.user !== undefined) body.user = userId(request.user);
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.n !== undefined) body.n = request.n;
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        parameters: t.parameters,
        ...(t.strict !== undefined ? { strict: t.strict } : {}),
      },
    }));
  }
  if (request.toolChoice) body.tool_choice = openAIToolChoice(request.toolChoice);
  if (request.parallelToolCalls !== undefined && request.tools?.length)
    body.parallel_tool_calls = request.parallelToolCalls;
  if (request.reasoning) {
    const effort =
      request.reasoning.effort ??
      (request.reasoning.budgetTokens !== undefined ? budgetToEffort(request.reasoning.budgetTokens) : undefined);
    if (effort) body.reasoning_effort = effort;
  }
  const format = request.responseFormat;
  if (format?.type === 'json') body.response_format = { type: 'json_object' };
  if (format?.type === 'json-schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: format.name,
        schema: format.schema,
        ...(format.description ? { description: format.description } : {}),
        ...(format.strict !== undefined ? { strict: format.strict } : {}),
      },
    };
  }
  if (request.stream) {
    body.stream = true;
    // Usage is always asked for: the client's format reports it, and the gateway prices it.
    body.stream_options = { include_usage: true };
  }
  Object.assign(body, unmappedFor(request, 'openai', TARGET));
  return { path: '/chat/completions', body };
}
