/**
 * Anthropic Messages requests ⇄ IR: reading an Anthropic client's request (`parseAnthropicRequest`)
 * and writing one for an Anthropic-format provider (`buildAnthropicRequest`).
 */
import { InvalidRequestError, UnsupportedParameterError } from '../../errors.ts';
import { isObject, type Json, optionalNumber, parseArguments } from '../common/json.ts';
import { hoistSystem, mergeTurns } from '../common/messages.ts';
import { thinkingBudgetOf } from '../common/reasoning.ts';
import { leftoverParams, unmappedFor } from '../common/refuse.ts';
import type {
  AssistantPart,
  ChatRequest,
  ImagePart,
  Message,
  ReasoningEffort,
  TextPart,
  ToolChoice,
  ToolDefinition,
  UserPart,
} from '../ir.ts';
import type { ProviderRequest } from '../types.ts';

const TARGET = 'Anthropic';

/** Anthropic requires `max_tokens`; this is what every Claude model can produce. */
export const DEFAULT_MAX_TOKENS = 4096;

/** The forced tool a JSON answer is asked for through, when the client did not name its schema. */
const JSON_TOOL = 'json_output';

/** Parameters read into the IR. */
const HANDLED = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'output_format',
  'output_config',
]);

/**
 * Hints with no effect on the answer's content: dropped (and reported) when translated.
 * `context_management` clears old thinking and tool results server-side to save context: a
 * target without it reads the whole conversation, as it was sent.
 */
const TUNING = new Set(['service_tier', 'cache_control', 'context_management']);

/** Anthropic's tool search tools: they find `defer_loading` tools, which other targets get up front. */
const TOOL_SEARCH = /^tool_search_tool_/;

function textBlocks(raw: unknown, param: string): TextPart[] {
  if (typeof raw === 'string') return raw ? [{ type: 'text', text: raw }] : [];
  if (!Array.isArray(raw))
    throw new InvalidRequestError('invalid_request', `'${param}' must be a string or an array of text blocks.`, param);
  return raw.map((block) => {
    if (!isObject(block) || block.type !== 'text')
      throw new InvalidRequestError('invalid_request', `'${param}' may only hold text blocks.`, param);
    return {
      type: 'text',
      text: String(block.text ?? ''),
      ...(isObject(block.cache_control) ? { cacheControl: block.cache_control } : {}),
    };
  });
}

function imageOf(block: Json): ImagePart {
  const source = isObject(block.source) ? block.source : {};
  if (source.type === 'base64')
    return {
      type: 'image',
      source: { kind: 'base64', mediaType: String(source.media_type), data: String(source.data) },
    };
  if (source.type === 'url') return { type: 'image', source: { kind: 'url', url: String(source.url) } };
  throw new UnsupportedParameterError(
    'messages',
    TARGET_OTHER,
    `image sources of type '${String(source.type)}' cannot be translated`,
  );
}

/** What a translated Anthropic request is going to: named in errors about what cannot cross over. */
const TARGET_OTHER = 'this provider (the request is translated from the Anthropic format)';

function userBlocks(raw: unknown, toolNames: Map<string, string>): UserPart[] {
  if (typeof raw === 'string') return [{ type: 'text', text: raw }];
  if (!Array.isArray(raw))
    throw new InvalidRequestError(
      'invalid_request',
      'Message content must be a string or an array of blocks.',
      'messages',
    );
  const parts: UserPart[] = [];
  for (const block of raw) {
    if (!isObject(block))
      throw new InvalidRequestError('invalid_request', 'Content blocks must be objects.', 'messages');
    switch (block.type) {
      case 'text':
        parts.push({
          type: 'text',
          text: String(block.text ?? ''),
          ...(isObject(block.cache_control) ? { cacheControl: block.cache_control } : {}),
        });
        break;
      case 'image':
        parts.push(imageOf(block));
        break;
      case 'document': {
        const source = isObject(block.source) ? block.source : {};
        if (source.type === 'base64')
          parts.push({
            type: 'file',
            mediaType: String(source.media_type),
            data: String(source.data),
            ...(typeof block.title === 'string' ? { filename: block.title } : {}),
          });
        else if (source.type === 'text') parts.push({ type: 'text', text: String(source.data ?? '') });
        else
          throw new UnsupportedParameterError(
            'messages',
            TARGET_OTHER,
            `document sources of type '${String(source.type)}' cannot be translated`,
          );
        break;
      }
      case 'tool_result': {
        const id = String(block.tool_use_id ?? '');
        const content: (TextPart | ImagePart)[] =
          typeof block.content === 'string' || block.content === undefined
            ? [{ type: 'text', text: String(block.content ?? '') }]
            : (Array.isArray(block.content) ? block.content : []).map((inner: unknown) => {
                if (isObject(inner) && inner.type === 'text')
                  return { type: 'text', text: String(inner.text ?? '') } as TextPart;
                if (isObject(inner) && inner.type === 'image') return imageOf(inner);
                throw new UnsupportedParameterError(
                  'messages',
                  TARGET_OTHER,
                  'tool results may only hold text and images',
                );
              });
        parts.push({
          type: 'tool-result',
          toolCallId: id,
          name: toolNames.get(id),
          content,
          ...(block.is_error === true ? { isError: true } : {}),
        });
        break;
      }
      default:
        throw new UnsupportedParameterError(
          'messages',
          TARGET_OTHER,
          `content blocks of type '${String(block.type)}' cannot be translated`,
        );
    }
  }
  return parts;
}

function assistantBlocks(raw: unknown, toolNames: Map<string, string>): AssistantPart[] {
  if (typeof raw === 'string') return raw ? [{ type: 'text', text: raw }] : [];
  if (!Array.isArray(raw))
    throw new InvalidRequestError(
      'invalid_request',
      'Message content must be a string or an array of blocks.',
      'messages',
    );
  return raw.map((block): AssistantPart => {
    if (!isObject(block))
      throw new InvalidRequestError('invalid_request', 'Content blocks must be objects.', 'messages');
    switch (block.type) {
      case 'text':
        return { type: 'text', text: String(block.text ?? '') };
      case 'tool_use':
        toolNames.set(String(block.id), String(block.name));
        return {
          type: 'tool-call',
          id: String(block.id),
          name: String(block.name),
          arguments: JSON.stringify(block.input ?? {}),
        };
      case 'thinking':
        return {
          type: 'reasoning',
          text: String(block.thinking ?? ''),
          ...(typeof block.signature === 'string' ? { signature: block.signature } : {}),
        };
      case 'redacted_thinking':
        return { type: 'reasoning', text: '', redacted: String(block.data ?? '') };
      default:
        throw new UnsupportedParameterError(
          'messages',
          TARGET_OTHER,
          `content blocks of type '${String(block.type)}' cannot be translated`,
        );
    }
  });
}

/**
 * Tools marked `defer_loading` are only loaded (through a tool search tool) when the model looks
 * for them; a target without tool search gets them as ordinary tools, so they stay callable, and
 * the search tool itself is dropped and reported.
 */
function readTools(
  raw: unknown,
  unmapped: Record<string, unknown>,
  tuning: Record<string, unknown>,
): ToolDefinition[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new InvalidRequestError('invalid_request', "'tools' must be an array.", 'tools');
  const tools: ToolDefinition[] = [];
  for (const tool of raw) {
    if (!isObject(tool) || (typeof tool.name !== 'string' && !TOOL_SEARCH.test(String(tool.type))))
      throw new InvalidRequestError('invalid_request', 'Each tool needs a name.', 'tools');
    if (typeof tool.type === 'string' && TOOL_SEARCH.test(tool.type)) {
      tuning[`tools[${tool.type}]`] = tool;
      continue;
    }
    if (tool.defer_loading === true) tuning['tools[].defer_loading'] = true;
    // Server tools (web search, code execution, …) run at Anthropic: only Anthropic can honour them.
    if (tool.type !== undefined && tool.type !== 'custom') {
      unmapped.tools = raw;
      continue;
    }
    tools.push({
      name: String(tool.name),
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      parameters: isObject(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} },
      ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
    });
  }
  return tools;
}

function readToolChoice(raw: unknown): { choice?: ToolChoice; parallel?: boolean } {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw))
    throw new InvalidRequestError('invalid_request', "'tool_choice' must be an object.", 'tool_choice');
  const parallel = raw.disable_parallel_tool_use === true ? false : undefined;
  switch (raw.type) {
    case 'auto':
      return { choice: { type: 'auto' }, parallel };
    case 'any':
      return { choice: { type: 'required' }, parallel };
    case 'none':
      return { choice: { type: 'none' }, parallel };
    case 'tool':
      if (typeof raw.name === 'string') return { choice: { type: 'tool', name: raw.name }, parallel };
  }
  throw new InvalidRequestError(
    'invalid_request',
    "'tool_choice.type' must be auto, any, tool (with a name) or none.",
    'tool_choice',
  );
}

function readThinking(raw: unknown): ChatRequest['reasoning'] {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw new InvalidRequestError('invalid_request', "'thinking' must be an object.", 'thinking');
  if (raw.type === 'disabled') return false;
  if (raw.type === 'enabled') return typeof raw.budget_tokens === 'number' ? { budgetTokens: raw.budget_tokens } : {};
  if (raw.type === 'adaptive') return {};
  throw new InvalidRequestError(
    'invalid_request',
    "'thinking.type' must be enabled, adaptive or disabled.",
    'thinking',
  );
}

/** Anthropic's efforts → the IR's: `xhigh` and `max` are the most any other target has, `high`. */
const EFFORTS: Record<string, ReasoningEffort> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
  max: 'high',
};

/**
 * `output_config`: `effort` (how many tokens Claude spends, thinking included) and `format`
 * (structured output, the successor of `output_format`). Other keys are Anthropic's alone.
 */
function readOutputConfig(
  raw: unknown,
  unmapped: Record<string, unknown>,
): { effort?: ReasoningEffort; format?: unknown } {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw))
    throw new InvalidRequestError('invalid_request', "'output_config' must be an object.", 'output_config');
  const { effort, format, ...rest } = raw;
  if (Object.keys(rest).length) unmapped.output_config = raw;
  if (effort === undefined || effort === null) return { format };
  const mapped = EFFORTS[String(effort)];
  if (!mapped)
    throw new InvalidRequestError(
      'invalid_request',
      "'output_config.effort' must be low, medium, high, xhigh or max.",
      'output_config.effort',
    );
  return { effort: mapped, format };
}

/** The effort joins the thinking settings (with thinking off it only shortens answers: dropped and reported). */
function withEffort(
  reasoning: ChatRequest['reasoning'],
  effort: ReasoningEffort | undefined,
): ChatRequest['reasoning'] {
  if (!effort || reasoning === false) return reasoning;
  return { ...reasoning, effort };
}

function readOutputFormat(raw: unknown): ChatRequest['responseFormat'] {
  if (isObject(raw) && raw.type === 'json_schema' && isObject(raw.schema))
    return { type: 'json-schema', name: 'output', schema: raw.schema };
  return undefined;
}

export function parseRequest(body: Json): ChatRequest {
  if (!Array.isArray(body.messages))
    throw new InvalidRequestError('invalid_request', "'messages' must be an array.", 'messages');
  const toolNames = new Map<string, string>();
  const messages: Message[] = body.messages.map((message: unknown): Message => {
    if (!isObject(message))
      throw new InvalidRequestError('invalid_request', 'Each message must be an object.', 'messages');
    if (message.role === 'user') return { role: 'user', content: userBlocks(message.content, toolNames) };
    if (message.role === 'assistant')
      return { role: 'assistant', content: assistantBlocks(message.content, toolNames) };
    // Mid-conversation system messages (Claude Opus 4.8 and later) keep their position.
    if (message.role === 'system') return { role: 'system', content: textBlocks(message.content, 'messages') };
    throw new InvalidRequestError(
      'invalid_request',
      `Message roles must be user, assistant or system, not '${String(message.role)}'.`,
      'messages',
    );
  });
  const { unmapped, tuning } = leftoverParams(body, HANDLED, TUNING);
  const request: ChatRequest = {
    model: String(body.model),
    system: body.system === undefined || body.system === null ? [] : textBlocks(body.system, 'system'),
    messages: mergeTurns(messages),
    stream: body.stream === true,
    // Anthropic streams always report usage.
    includeUsage: true,
    sourceFormat: 'anthropic',
    unmapped,
  };
  const tools = readTools(body.tools, unmapped, tuning);
  if (tools?.length) request.tools = tools;
  const { choice, parallel } = readToolChoice(body.tool_choice);
  if (choice) request.toolChoice = choice;
  if (parallel !== undefined) request.parallelToolCalls = parallel;
  const maxTokens = optionalNumber(body.max_tokens, 'max_tokens');
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = optionalNumber(body.temperature, 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body.top_p, 'top_p');
  if (topP !== undefined) request.topP = topP;
  const topK = optionalNumber(body.top_k, 'top_k');
  if (topK !== undefined) request.topK = topK;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length) request.stop = body.stop_sequences.map(String);
  if (isObject(body.metadata) && typeof body.metadata.user_id === 'string') request.user = body.metadata.user_id;
  const output = readOutputConfig(body.output_config, unmapped);
  const thinking = readThinking(body.thinking);
  if (thinking === false && output.effort) tuning['output_config.effort'] = output.effort;
  const reasoning = withEffort(thinking, output.effort);
  if (reasoning !== undefined) request.reasoning = reasoning;
  const format = readOutputFormat(output.format ?? body.output_format);
  if (format) request.responseFormat = format;
  if (Object.keys(tuning).length) request.tuning = tuning;
  return request;
}

function anthropicUserBlocks(content: UserPart[]): Record<string, unknown>[] {
  // Anthropic wants a user turn's tool results before anything else in it.
  const ordered = [
    ...content.filter((p) => p.type === 'tool-result'),
    ...content.filter((p) => p.type !== 'tool-result'),
  ];
  const blocks: Record<string, unknown>[] = [];
  for (const part of ordered) {
    if (part.type === 'text') {
      if (part.text) blocks.push(textBlock(part));
    } else if (part.type === 'image') blocks.push(imageBlock(part));
    else if (part.type === 'file')
      blocks.push({
        type: 'document',
        source: { type: 'base64', media_type: part.mediaType, data: part.data },
        ...(part.filename ? { title: part.filename } : {}),
      });
    else {
      const inner = part.content
        .filter((p) => p.type !== 'text' || p.text)
        .map((p) => (p.type === 'text' ? textBlock(p) : imageBlock(p)));
      blocks.push({
        type: 'tool_result',
        tool_use_id: toolUseId(part.toolCallId),
        content: inner,
        ...(part.isError ? { is_error: true } : {}),
      });
    }
  }
  return blocks;
}

const textBlock = (part: TextPart) => ({
  type: 'text',
  text: part.text,
  ...(part.cacheControl ? { cache_control: part.cacheControl } : {}),
});

const imageBlock = (part: ImagePart) => ({
  type: 'image',
  source:
    part.source.kind === 'url'
      ? { type: 'url', url: part.source.url }
      : { type: 'base64', media_type: part.source.mediaType, data: part.source.data },
});

function anthropicAssistantBlocks(content: AssistantPart[]): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [];
  for (const part of content) {
    if (part.type === 'text') {
      if (part.text) blocks.push({ type: 'text', text: part.text });
    } else if (part.type === 'tool-call') {
      blocks.push({
        type: 'tool_use',
        id: toolUseId(part.id),
        name: part.name,
        input: parseArguments(part.arguments, `'${part.id}'`),
      });
    } else if (part.redacted) {
      blocks.push({ type: 'redacted_thinking', data: part.redacted });
    } else if (part.signature) {
      // Anthropic verifies thinking it is given back; unsigned reasoning (from another provider) cannot be.
      blocks.push({ type: 'thinking', thinking: part.text, signature: part.signature });
    }
  }
  return blocks;
}

function anthropicToolChoice(
  choice: ToolChoice | undefined,
  parallel: boolean | undefined,
): Record<string, unknown> | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (!choice) return parallel === false ? { type: 'auto', ...disable } : undefined;
  switch (choice.type) {
    case 'auto':
      return { type: 'auto', ...disable };
    case 'required':
      return { type: 'any', ...disable };
    case 'none':
      return { type: 'none' };
    case 'tool':
      return { type: 'tool', name: choice.name, ...disable };
  }
}

/**
 * Anthropic's tool-use ids allow only letters, digits, `_` and `-`; other providers' ids (Kimi's
 * `functions.get_weather:0`) are mapped the same way on both the call and its result.
 */
const toolUseId = (id: string) => id.replace(/[^a-zA-Z0-9_-]/g, '_');

/** Anthropic's tool names: letters, digits, `_` and `-`, at most 64. */
const toolName = (name: string) => name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || JSON_TOOL;

/** The name of the tool a JSON answer is forced through, if the request asks for one. */
export function jsonToolOf(request: ChatRequest): string | undefined {
  const format = request.responseFormat;
  if (!format) return undefined;
  return format.type === 'json-schema' ? toolName(format.name) : JSON_TOOL;
}

/**
 * Anthropic requires a tool-use turn that continues with thinking on to replay that turn's signed
 * thinking block. Clients of formats without signatures (OpenAI) cannot, so such a continuation
 * goes without thinking rather than failing.
 */
function continuesUnsignedToolUse(request: ChatRequest): boolean {
  const lastAssistant = request.messages.findLast((m) => m.role === 'assistant');
  if (!lastAssistant || request.messages.at(-1)?.role !== 'user') return false;
  const parts = lastAssistant.content as AssistantPart[];
  return (
    parts.some((p) => p.type === 'tool-call') &&
    !parts.some((p) => p.type === 'reasoning' && (p.signature || p.redacted))
  );
}

function thinkingBudget(request: ChatRequest): number | undefined {
  return continuesUnsignedToolUse(request) ? undefined : thinkingBudgetOf(request, TARGET);
}

export function buildRequest(original: ChatRequest, model: string): ProviderRequest {
  // Mid-conversation system messages are only taken by the newest Claude models: hoisted for all.
  const request = hoistSystem(original);
  const refuse = (param: string, detail: string) => {
    throw new UnsupportedParameterError(param, TARGET, detail);
  };
  if (request.n !== undefined && request.n !== 1) refuse('n', 'Anthropic returns one answer per request');
  if (request.seed !== undefined) refuse('seed', 'Anthropic has no sampling seed');
  if (request.frequencyPenalty) refuse('frequency_penalty', 'Anthropic has no frequency penalty');
  if (request.presencePenalty) refuse('presence_penalty', 'Anthropic has no presence penalty');

  const messages = mergeTurns(request.messages)
    .map((m) => ({
      role: m.role,
      content: m.role === 'user' ? anthropicUserBlocks(m.content) : anthropicAssistantBlocks(m.content),
    }))
    .filter((m) => m.content.length > 0);
  const body: Record<string, unknown> = { model, messages: mergeBlocks(messages) };
  const system = request.system.filter((p) => p.text);
  if (system.length)
    body.system = system.some((p) => p.cacheControl) ? system.map(textBlock) : system.map((p) => p.text).join('\n\n');

  const budget = thinkingBudget(request);
  body.max_tokens = request.maxTokens ?? (budget ? budget + DEFAULT_MAX_TOKENS : DEFAULT_MAX_TOKENS);
  if (budget) body.thinking = { type: 'enabled', budget_tokens: budget };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.stop?.length) body.stop_sequences = request.stop;
  if (request.user !== undefined) body.metadata = { user_id: request.user };

  const tools: Record<string, unknown>[] = (request.tools ?? []).map((t) => ({
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    input_schema: t.parameters,
  }));
  let toolChoice = anthropicToolChoice(
    request.toolChoice,
    request.tools?.length ? request.parallelToolCalls : undefined,
  );
  const jsonTool = jsonToolOf(request);
  if (jsonTool && request.responseFormat) {
    // Anthropic has no JSON mode: the answer is asked for as the input of a tool it must call,
    // and handed back to the client as the message's text.
    const schema = request.responseFormat.type === 'json-schema' ? request.responseFormat.schema : { type: 'object' };
    if (schema.type !== 'object') refuse('response_format', "the JSON schema's root must be an object");
    const description = request.responseFormat.type === 'json-schema' ? request.responseFormat.description : undefined;
    tools.push({
      name: jsonTool,
      description: description ?? 'Respond with a JSON value that matches this schema.',
      input_schema: schema,
    });
    toolChoice = { type: 'tool', name: jsonTool };
  }
  if (budget && (toolChoice?.type === 'any' || toolChoice?.type === 'tool')) {
    // Anthropic answers this with a 400 about a tool_choice the client may never have sent (a JSON answer's).
    refuse(
      request.sourceFormat === 'openai' ? 'reasoning_effort' : 'thinking',
      `extended thinking cannot be combined with a forced tool call (${jsonTool ? 'response_format is asked for as one' : 'tool_choice'})`,
    );
  }
  if (tools.length) body.tools = tools;
  if (toolChoice) body.tool_choice = toolChoice;
  if (request.stream) body.stream = true;
  Object.assign(body, unmappedFor(request, 'anthropic', TARGET));
  return { path: '/messages', body };
}

/** Turns left with the same role once empty ones are gone are joined again. */
function mergeBlocks(
  messages: { role: string; content: Record<string, unknown>[] }[],
): { role: string; content: Record<string, unknown>[] }[] {
  const merged: typeof messages = [];
  for (const message of messages) {
    const last = merged.at(-1);
    if (last && last.role === message.role) last.content.push(...message.content);
    else merged.push(message);
  }
  return merged;
}
