/**
 * Responses API requests ⇄ IR: reading a Responses client's request (Codex CLI, the `openai` SDK's
 * `client.responses`) and writing one for a provider whose models answer only there.
 */
import { createHash } from 'node:crypto';
import { InvalidRequestError, UnsupportedParameterError } from '../../errors.ts';
import { dataUrl, imageAsUrl, imageSourceOfUrl, inlineFilePart } from '../common/images.ts';
import { isObject, type Json, optionalNumber } from '../common/json.ts';
import { mergeTurns } from '../common/messages.ts';
import { budgetToEffort } from '../common/reasoning.ts';
import { leftoverParams, refuseIfSet, unmappedFor } from '../common/refuse.ts';
import type {
  AssistantPart,
  ChatRequest,
  ImagePart,
  Message,
  ReasoningEffort,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDefinition,
  UserPart,
} from '../ir.ts';
import type { ProviderRequest } from '../types.ts';

/** What a translated Responses request is going to: named in errors about what cannot cross over. */
const TARGET_OTHER = 'this provider (the request is translated from the Responses API)';
const TARGET = 'the Responses API';

/** Parameters read into the IR. */
const HANDLED = new Set([
  'model',
  'instructions',
  'input',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'reasoning',
  'text',
  'user',
  'include',
]);

/** Bookkeeping and hints with no effect on the answer's content: dropped (and reported) when translated. */
const TUNING = new Set([
  'store',
  'metadata',
  // Codex CLI's ids of its installation, session and turn, for OpenAI's own bookkeeping.
  'client_metadata',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'service_tier',
  'truncation',
]);

/** Values that ask for nothing (clients send defaults explicitly). */
function isNoOp(key: string, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (key === 'top_logprobs') return value === 0;
  if (key === 'background') return value === false;
  if (key === 'truncation') return value === 'disabled';
  if (key === 'metadata' || key === 'client_metadata') return isObject(value) && Object.keys(value).length === 0;
  return false;
}

/**
 * The opaque `encrypted_content` the gateway gives translated reasoning items (when `include` asks
 * for `reasoning.encrypted_content`): the provider's own proof of the reasoning (Anthropic's
 * signature), so that a client replaying the item replays the proof. Content from anyone else is
 * not ours to read and is ignored.
 */
const REASONING_PREFIX = 'swy1:';

export function encodeReasoningProof(part: { signature?: string; redacted?: string }): string | undefined {
  if (!part.signature && !part.redacted) return undefined;
  const proof = { ...(part.signature ? { s: part.signature } : {}), ...(part.redacted ? { r: part.redacted } : {}) };
  return REASONING_PREFIX + Buffer.from(JSON.stringify(proof)).toString('base64url');
}

function decodeReasoningProof(content: unknown): { signature?: string; redacted?: string } {
  if (typeof content !== 'string' || !content.startsWith(REASONING_PREFIX)) return {};
  try {
    const proof: unknown = JSON.parse(Buffer.from(content.slice(REASONING_PREFIX.length), 'base64url').toString());
    if (!isObject(proof)) return {};
    return {
      ...(typeof proof.s === 'string' ? { signature: proof.s } : {}),
      ...(typeof proof.r === 'string' ? { redacted: proof.r } : {}),
    };
  } catch {
    return {};
  }
}

/** A reasoning item's summary parts as one text. */
export const summaryTextOf = (item: Json): string =>
  (Array.isArray(item.summary) ? item.summary : [])
    .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : ''))
    .filter(Boolean)
    .join('\n\n');

const invalid = (message: string, param = 'input') => new InvalidRequestError('invalid_input', message, param);

function textOfParts(content: unknown): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid('A message needs string or array content.');
  return content.map((part) => {
    if (isObject(part) && ['input_text', 'output_text', 'text'].includes(String(part.type)))
      return { type: 'text', text: String(part.text ?? '') };
    if (isObject(part) && part.type === 'refusal') return { type: 'text', text: String(part.refusal ?? '') };
    throw invalid(
      `Instructions and assistant messages may only hold text, not '${String(isObject(part) ? part.type : part)}'.`,
    );
  });
}

function imagePart(part: Json): ImagePart {
  if (typeof part.image_url !== 'string')
    throw new UnsupportedParameterError(
      'input',
      TARGET_OTHER,
      'input_image needs image_url (file_id cannot be translated)',
    );
  const detail = typeof part.detail === 'string' && part.detail !== 'auto' ? part.detail : undefined;
  return { type: 'image', source: imageSourceOfUrl(part.image_url), ...(detail ? { detail } : {}) };
}

function userParts(content: unknown): UserPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid('A message needs string or array content.');
  return content.map((part): UserPart => {
    if (!isObject(part)) throw invalid('Content parts must be objects.');
    switch (part.type) {
      case 'input_text':
      case 'text':
        return { type: 'text', text: String(part.text ?? '') };
      case 'input_image':
        return imagePart(part);
      case 'input_file':
        return inlineFilePart(
          part,
          'input',
          TARGET_OTHER,
          'input_file must carry file_data as a base64 data URL (file_id and file_url cannot be translated)',
        );
      default:
        throw new UnsupportedParameterError('input', TARGET_OTHER, `content parts of type '${String(part.type)}'`);
    }
  });
}

function toolOutput(output: unknown): (TextPart | ImagePart)[] {
  if (typeof output === 'string') return [{ type: 'text', text: output }];
  if (!Array.isArray(output)) throw invalid("A function_call_output needs an 'output' string or array.");
  return output.map((part) => {
    if (isObject(part) && (part.type === 'input_text' || part.type === 'output_text'))
      return { type: 'text', text: String(part.text ?? '') };
    if (isObject(part) && part.type === 'input_image') return imagePart(part);
    throw new UnsupportedParameterError('input', TARGET_OTHER, 'function_call_output may hold text and images only');
  });
}

/** Items that exist only with OpenAI's server-side tools or state. */
const describeItem = (type: unknown) =>
  type === 'item_reference'
    ? "'item_reference' items point at stored state, which only OpenAI has"
    : type === 'additional_tools'
      ? // Codex sends them (with its code-mode tools) only for models it knows as OpenAI's own.
        "'additional_tools' items (tools declared mid-conversation) are OpenAI's own; name the model with its provider prefix"
      : `input items of type '${String(type)}' belong to OpenAI's built-in tools`;

function readInput(raw: unknown, instructions: unknown): { system: TextPart[]; messages: Message[] } {
  const system: TextPart[] = [];
  if (typeof instructions === 'string' && instructions !== '') system.push({ type: 'text', text: instructions });
  else if (instructions !== undefined && instructions !== null && typeof instructions !== 'string')
    throw invalid("'instructions' must be a string.", 'instructions');
  const messages: Message[] = [];
  if (typeof raw === 'string') return { system, messages: [{ role: 'user', content: [{ type: 'text', text: raw }] }] };
  if (!Array.isArray(raw) || raw.length === 0) throw invalid("'input' must be a string or a non-empty array of items.");
  const toolNames = new Map<string, string>();
  for (const item of raw) {
    if (!isObject(item)) throw invalid('Each input item must be an object.');
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message':
        if (item.role === 'system' || item.role === 'developer') system.push(...textOfParts(item.content));
        else if (item.role === 'user') messages.push({ role: 'user', content: userParts(item.content) });
        else if (item.role === 'assistant')
          messages.push({ role: 'assistant', content: textOfParts(item.content).filter((p) => p.text !== '') });
        else throw invalid(`Unknown message role '${String(item.role)}'.`);
        break;
      case 'function_call':
      case 'custom_tool_call': {
        if (typeof item.call_id !== 'string' || typeof item.name !== 'string')
          throw invalid(`A ${type} item needs 'call_id' and 'name'.`);
        const name = typeof item.namespace === 'string' ? flatName(item.namespace, item.name) : item.name;
        toolNames.set(item.call_id, name);
        // A custom tool's raw input travels as the one argument of the function it stands in for.
        const args =
          type === 'custom_tool_call'
            ? JSON.stringify({ input: String(item.input ?? '') })
            : String(item.arguments ?? '');
        messages.push({ role: 'assistant', content: [{ type: 'tool-call', id: item.call_id, name, arguments: args }] });
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        if (typeof item.call_id !== 'string') throw invalid(`A ${type} item needs 'call_id'.`);
        messages.push({
          role: 'user',
          content: [
            {
              type: 'tool-result',
              toolCallId: item.call_id,
              name: toolNames.get(item.call_id),
              content: toolOutput(item.output),
            },
          ],
        });
        break;
      }
      case 'reasoning': {
        const text = summaryTextOf(item);
        const proof = decodeReasoningProof(item.encrypted_content);
        if (text || proof.signature || proof.redacted)
          messages.push({ role: 'assistant', content: [{ type: 'reasoning', text, ...proof }] });
        break;
      }
      default:
        throw new UnsupportedParameterError('input', TARGET_OTHER, describeItem(type));
    }
  }
  return { system, messages: mergeTurns(messages) };
}

/** The longest tool name OpenAI, Anthropic and Gemini all take. */
const MAX_TOOL_NAME = 64;

/**
 * A namespace member's IR name: the namespace and the name joined (`multi_agent_v1__spawn_agent`);
 * namespaces that already end in the separator (Codex's MCP servers, `mcp__server__`) are not
 * given another. A longer join than providers take is cut and ended with a hash of the whole, so
 * it stays unique and the same on every request (calls are mapped back through the tool list).
 */
function flatName(namespace: string, name: string): string {
  const joined = namespace.endsWith('__') ? namespace + name : `${namespace}__${name}`;
  if (joined.length <= MAX_TOOL_NAME) return joined;
  const hash = createHash('sha256').update(joined).digest('hex').slice(0, 8);
  return `${joined.slice(0, MAX_TOOL_NAME - hash.length - 1)}_${hash}`;
}

const withDescription = (tool: Json) => (typeof tool.description === 'string' ? { description: tool.description } : {});

function functionTool(tool: Json, namespace: string | undefined): ToolDefinition {
  if (typeof tool.name !== 'string') throw invalid("A function tool needs a 'name'.", 'tools');
  return {
    name: namespace ? flatName(namespace, tool.name) : tool.name,
    ...withDescription(tool),
    parameters: isObject(tool.parameters) ? tool.parameters : { type: 'object', properties: {} },
    ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
    ...(namespace ? { declared: { kind: 'function', name: tool.name, namespace } } : {}),
  };
}

/**
 * A `custom` (freeform) tool as a function taking its raw text in one `input` string. Other
 * providers cannot hold the model to the tool's grammar: it goes into the parameter's description,
 * for the model to follow.
 */
function customTool(tool: Json, namespace: string | undefined): ToolDefinition {
  if (typeof tool.name !== 'string') throw invalid("A custom tool needs a 'name'.", 'tools');
  const format = isObject(tool.format) ? tool.format : {};
  let input = 'The raw input text for this tool, as it is (not JSON-encoded).';
  if (format.type === 'grammar' && typeof format.definition === 'string')
    input += ` It must match this ${String(format.syntax ?? '')} grammar:\n${format.definition}`;
  return {
    name: namespace ? flatName(namespace, tool.name) : tool.name,
    ...withDescription(tool),
    parameters: {
      type: 'object',
      properties: { input: { type: 'string', description: input } },
      required: ['input'],
      additionalProperties: false,
    },
    declared: { kind: 'custom', name: tool.name, ...(namespace ? { namespace } : {}) },
  };
}

function readTool(tool: unknown, namespace?: string): ToolDefinition[] {
  if (!isObject(tool)) throw invalid('Each tool must be an object.', 'tools');
  if (tool.type === 'function') return [functionTool(tool, namespace)];
  if (tool.type === 'custom') return [customTool(tool, namespace)];
  if (tool.type === 'namespace' && namespace === undefined) {
    if (typeof tool.name !== 'string' || !Array.isArray(tool.tools))
      throw invalid("A namespace tool needs a 'name' and its 'tools'.", 'tools');
    const name = tool.name;
    return tool.tools.flatMap((member) => readTool(member, name));
  }
  throw new UnsupportedParameterError(
    'tools',
    TARGET_OTHER,
    `the built-in tool '${String(tool.type)}' runs only on OpenAI's own Responses API`,
  );
}

/** Function tools as they are; namespaces flattened into their functions; custom tools as functions of one string. */
function readTools(raw: unknown): ToolDefinition[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw invalid("'tools' must be an array.", 'tools');
  const tools = raw.flatMap((tool) => readTool(tool));
  const names = new Set<string>();
  for (const { name } of tools) {
    if (names.has(name))
      throw invalid(`Two tools are named '${name}' (namespaces are flattened as namespace__name).`, 'tools');
    names.add(name);
  }
  return tools;
}

function readToolChoice(raw: unknown): ToolChoice | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'auto' || raw === 'none' || raw === 'required') return { type: raw };
  if (isObject(raw) && (raw.type === 'function' || raw.type === 'custom') && typeof raw.name === 'string')
    return { type: 'tool', name: typeof raw.namespace === 'string' ? flatName(raw.namespace, raw.name) : raw.name };
  if (isObject(raw) && typeof raw.type === 'string')
    throw new UnsupportedParameterError('tool_choice', TARGET_OTHER, `tool_choice of type '${raw.type}'`);
  throw invalid("'tool_choice' must be 'auto', 'none', 'required' or {type:'function',name}.", 'tool_choice');
}

const EFFORTS = new Set(['minimal', 'low', 'medium', 'high']);

function readReasoning(raw: unknown): ChatRequest['reasoning'] {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw invalid("'reasoning' must be an object.", 'reasoning');
  const effort = raw.effort;
  if (effort === undefined || effort === null) return raw.summary ? {} : undefined;
  if (effort === 'none') return false;
  if (effort === 'xhigh') return { effort: 'high' };
  if (typeof effort === 'string' && EFFORTS.has(effort)) return { effort: effort as ReasoningEffort };
  throw invalid("'reasoning.effort' must be none, minimal, low, medium, high or xhigh.", 'reasoning.effort');
}

function readTextFormat(raw: unknown): ResponseFormat | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw invalid("'text' must be an object.", 'text');
  const format = raw.format;
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) throw invalid("'text.format' must be an object.", 'text.format');
  if (format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json' };
  if (format.type === 'json_schema' && isObject(format.schema)) {
    return {
      type: 'json-schema',
      name: typeof format.name === 'string' ? format.name : 'response',
      schema: format.schema,
      ...(typeof format.description === 'string' ? { description: format.description } : {}),
      ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
    };
  }
  throw invalid("'text.format' must be text, json_object or json_schema with a schema.", 'text.format');
}

/**
 * `include` asks for extra output. `reasoning.encrypted_content` is always given for translated
 * reasoning that carries a proof (see `encodeReasoningProof`); logprobs change what the client
 * gets and cannot be produced; the rest belong to built-in tools, which are refused anyway.
 */
function checkInclude(raw: unknown): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) throw invalid("'include' must be an array.", 'include');
  if (raw.includes('message.output_text.logprobs'))
    throw new UnsupportedParameterError('include', TARGET_OTHER, "'message.output_text.logprobs' cannot be produced");
}

export function parseRequest(body: Json): ChatRequest {
  const { system, messages } = readInput(body.input, body.instructions);
  const { unmapped, tuning } = leftoverParams(body, HANDLED, TUNING, isNoOp);
  const text = isObject(body.text) ? body.text : undefined;
  if (text?.verbosity !== undefined && text.verbosity !== null) tuning['text.verbosity'] = text.verbosity;
  const request: ChatRequest = {
    model: String(body.model),
    system,
    messages,
    stream: body.stream === true,
    includeUsage: false,
    sourceFormat: 'openai-responses',
    unmapped,
    ...(Object.keys(tuning).length ? { tuning } : {}),
  };
  const set = <K extends keyof ChatRequest>(key: K, value: ChatRequest[K] | undefined) => {
    if (value !== undefined) request[key] = value;
  };
  set('tools', readTools(body.tools));
  set('toolChoice', readToolChoice(body.tool_choice));
  if (typeof body.parallel_tool_calls === 'boolean') request.parallelToolCalls = body.parallel_tool_calls;
  set('maxTokens', optionalNumber(body.max_output_tokens, 'max_output_tokens'));
  set('temperature', optionalNumber(body.temperature, 'temperature'));
  set('topP', optionalNumber(body.top_p, 'top_p'));
  if (typeof body.user === 'string') request.user = body.user;
  set('reasoning', readReasoning(body.reasoning));
  set('responseFormat', readTextFormat(body.text));
  checkInclude(body.include);
  return request;
}

function userInput(content: UserPart[]): Json[] {
  const items: Json[] = [];
  const parts: Json[] = [];
  for (const part of content) {
    if (part.type === 'tool-result') {
      const text = part.content
        .filter((p) => p.type === 'text')
        .map((p) => p.text)
        .join('\n');
      items.push({
        type: 'function_call_output',
        call_id: part.toolCallId,
        output: part.isError && !text.startsWith('Error') ? `Error: ${text}` : text,
      });
      for (const image of part.content)
        if (image.type === 'image') parts.push({ type: 'input_image', image_url: imageAsUrl(image.source) });
    } else if (part.type === 'text') parts.push({ type: 'input_text', text: part.text });
    else if (part.type === 'image')
      parts.push({ type: 'input_image', image_url: imageAsUrl(part.source), detail: part.detail ?? 'auto' });
    else
      parts.push({
        type: 'input_file',
        file_data: dataUrl(part.mediaType, part.data),
        ...(part.filename ? { filename: part.filename } : {}),
      });
  }
  if (parts.length) items.push({ type: 'message', role: 'user', content: parts });
  return items;
}

function assistantInput(content: AssistantPart[]): Json[] {
  const items: Json[] = [];
  for (const part of content) {
    // Earlier reasoning is not sent back: another provider's reasoning means nothing to OpenAI.
    if (part.type === 'text' && part.text)
      items.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: part.text }] });
    else if (part.type === 'tool-call')
      items.push({ type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments || '{}' });
  }
  return items;
}

/** IR → a Responses request, for models that answer only on `/v1/responses`. */
export function buildRequest(request: ChatRequest, model: string): ProviderRequest {
  refuseIfSet(TARGET, {
    stop: request.stop?.length ? request.stop : undefined,
    top_k: request.topK,
    seed: request.seed,
    frequency_penalty: request.frequencyPenalty,
    presence_penalty: request.presencePenalty,
    n: request.n !== undefined && request.n !== 1 ? request.n : undefined,
  });
  const input: Json[] = [];
  for (const message of request.messages)
    input.push(...(message.role === 'user' ? userInput(message.content) : assistantInput(message.content)));
  // Nothing is kept on the provider's side on the client's behalf: the client never asked for it.
  const body: Record<string, unknown> = { model, input, store: false };
  if (request.system.length) body.instructions = request.system.map((p) => p.text).join('\n\n');
  if (request.maxTokens !== undefined) body.max_output_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.user !== undefined) body.user = request.user;
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({
      type: 'function',
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      parameters: t.parameters,
      // The Responses API makes function tools strict unless told otherwise; Chat Completions does not.
      strict: t.strict ?? false,
    }));
  }
  const choice = request.toolChoice;
  if (choice) body.tool_choice = choice.type === 'tool' ? { type: 'function', name: choice.name } : choice.type;
  if (request.parallelToolCalls !== undefined && request.tools?.length)
    body.parallel_tool_calls = request.parallelToolCalls;
  if (request.reasoning) {
    const effort =
      request.reasoning.effort ??
      (request.reasoning.budgetTokens !== undefined ? budgetToEffort(request.reasoning.budgetTokens) : undefined);
    if (effort) body.reasoning = { effort };
  } else if (request.reasoning === false) body.reasoning = { effort: 'none' };
  const format = request.responseFormat;
  if (format?.type === 'json') body.text = { format: { type: 'json_object' } };
  if (format?.type === 'json-schema') {
    body.text = {
      format: {
        type: 'json_schema',
        name: format.name,
        schema: format.schema,
        ...(format.description ? { description: format.description } : {}),
        ...(format.strict !== undefined ? { strict: format.strict } : {}),
      },
    };
  }
  if (request.stream) body.stream = true;
  Object.assign(body, unmappedFor(request, 'openai-responses', TARGET));
  return { path: '/responses', body };
}
