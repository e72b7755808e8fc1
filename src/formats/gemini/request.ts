/**
 * IR chat request → Gemini `generateContent` request (Gemini API reference: GenerateContentRequest,
 * Content, Part, Tool, ToolConfig, GenerationConfig). Whatever Gemini cannot express and that would
 * change the answer is refused with an `UnsupportedParameterError`, never dropped.
 */
import { InvalidRequestError, UnsupportedParameterError } from '../../errors.ts';
import { isObject, type Json, optionalNumber, parseArguments } from '../common/json.ts';
import { hoistSystem, mergeTurns } from '../common/messages.ts';
import { clientParam, leftoverParams, refuseUnmapped } from '../common/refuse.ts';
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
import type { ClientRoute, ProviderRequest } from '../types.ts';
import { toGeminiParameters, toGeminiSchema } from './schema.ts';
import { SKIP_SIGNATURE_VALIDATION, thoughtSignatureOf, toolCallIdOf } from './tool-call-ids.ts';
import type {
  GeminiContent,
  GeminiFunctionCallingConfig,
  GeminiFunctionDeclaration,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiThinkingConfig,
  GenerateContentRequest,
} from './wire.ts';

export const GEMINI = 'Google Gemini';

/** The API path of a model method, below the base URL. Tuned models are named `tunedModels/…`. */
export function modelMethodPath(model: string, method: string): string {
  const name = model.startsWith('models/') || model.startsWith('tunedModels/') ? model : `models/${model}`;
  return `/v1beta/${name}:${method}`;
}

export function buildRequest(original: ChatRequest, model: string): ProviderRequest {
  // `systemInstruction` is the only place for instructions.
  const request = hoistSystem(original);
  refuseInexpressible(request);
  const body: GenerateContentRequest = { contents: toContents(request.messages) };
  const system = request.system.map((part) => part.text).filter((text) => text !== '');
  if (system.length) body.systemInstruction = { parts: system.map((text) => ({ text })) };
  if (request.tools?.length) {
    body.tools = [{ functionDeclarations: request.tools.map(toFunctionDeclaration) }];
    if (request.toolChoice) body.toolConfig = { functionCallingConfig: toFunctionCallingConfig(request.toolChoice) };
  }
  const generationConfig = toGenerationConfig(request);
  if (Object.keys(generationConfig).length) body.generationConfig = generationConfig;
  const path = modelMethodPath(model, request.stream ? 'streamGenerateContent?alt=sse' : 'generateContent');
  return { path, body };
}

/** Parameters with no Gemini equivalent that would change the answer. */
function refuseInexpressible(request: ChatRequest): void {
  refuseUnmapped(request, GEMINI);
  // Gemini decides alone whether to call functions in parallel.
  if (request.parallelToolCalls === false) {
    const param = clientParam(request, 'parallel_tool_calls', 'tool_choice.disable_parallel_tool_use');
    throw new UnsupportedParameterError(param, GEMINI, 'Gemini cannot be kept from calling tools in parallel');
  }
  // `candidateCount` exists, but the gateway's answer carries one choice: more would be paid for and lost.
  if (request.n !== undefined && request.n > 1)
    throw new UnsupportedParameterError('n', GEMINI, 'only one choice per request can be returned');
}

/** IR messages → Gemini contents: consecutive turns of one role become one content (parallel function responses must share a turn). */
function toContents(messages: Message[]): GeminiContent[] {
  const namesById = toolNamesById(messages);
  const contents: GeminiContent[] = [];
  for (const message of messages) {
    const role = message.role === 'user' ? 'user' : 'model';
    const parts =
      message.role === 'user'
        ? message.content.flatMap((part) => userPart(part, namesById))
        : assistantParts(message.content);
    if (parts.length === 0) continue;
    const previous = contents.at(-1);
    if (previous?.role === role) previous.parts.push(...parts);
    else contents.push({ role, parts });
  }
  for (const content of contents) if (content.role === 'model') signFirstFunctionCall(content);
  return contents;
}

/** Tool names by call id, for results whose name the client format does not carry. */
function toolNamesById(messages: Message[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const part of message.content) if (part.type === 'tool-call') names.set(part.id, part.name);
  }
  return names;
}

function userPart(part: UserPart, namesById: Map<string, string>): GeminiPart[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [{ text: part.text }];
    case 'image':
      return [imagePart(part)];
    case 'file':
      return [{ inlineData: { mimeType: part.mediaType, data: part.data } }];
    case 'tool-result': {
      const name = part.name ?? namesById.get(part.toolCallId);
      if (name === undefined) {
        throw new InvalidRequestError(
          'invalid_tool_result',
          `The tool result for call '${part.toolCallId}' names no tool and answers no earlier tool call; Gemini needs the tool's name.`,
        );
      }
      const text = part.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
      // The reference: "Use 'output' key to specify function output and 'error' key to specify error details".
      const response = part.isError ? { error: text } : { output: text };
      const images = part.content.flatMap((p) => (p.type === 'image' ? [imagePart(p)] : []));
      return [{ functionResponse: { name, response } }, ...images];
    }
  }
}

/** Base64 images inline; URLs by reference (`fileData`), with a media type guessed from the extension when it tells. */
function imagePart(part: ImagePart): GeminiPart {
  const { source } = part;
  if (source.kind === 'base64') return { inlineData: { mimeType: source.mediaType, data: source.data } };
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(source.url);
  if (dataUrl) return { inlineData: { mimeType: dataUrl[1] as string, data: dataUrl[2] as string } };
  const mimeType = imageTypeOf(source.url);
  return { fileData: mimeType ? { mimeType, fileUri: source.url } : { fileUri: source.url } };
}

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
};

function imageTypeOf(url: string): string | undefined {
  const path = URL.canParse(url) ? new URL(url).pathname : url;
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : IMAGE_TYPES[extension];
}

function assistantParts(parts: AssistantPart[]): GeminiPart[] {
  return parts.flatMap((part): GeminiPart[] => {
    switch (part.type) {
      case 'text':
        return part.text === '' ? [] : [{ text: part.text }];
      case 'tool-call': {
        const functionCall = { name: part.name, args: parseArguments(part.arguments, `'${part.name}'`) };
        const signature = thoughtSignatureOf(part.id);
        return [signature ? { functionCall, thoughtSignature: signature } : { functionCall }];
      }
      // Gemini's thoughts are not input ("thought summaries" are for display); what it needs of its
      // reasoning comes back through thought signatures, which ride on the tool call ids.
      case 'reasoning':
        return [];
    }
  });
}

/**
 * Gemini 3 wants the first function call of each model turn signed. A turn whose signature was lost
 * (history from another model, or ids the client rewrote) gets Google's documented placeholder
 * rather than a 400 for the whole conversation.
 */
function signFirstFunctionCall(content: GeminiContent): void {
  const first = content.parts.find((part) => 'functionCall' in part);
  if (first && !content.parts.some((part) => 'functionCall' in part && 'thoughtSignature' in part)) {
    first.thoughtSignature = SKIP_SIGNATURE_VALIDATION;
  }
}

function toFunctionDeclaration(tool: ToolDefinition): GeminiFunctionDeclaration {
  const declaration: GeminiFunctionDeclaration = { name: tool.name };
  if (tool.description) declaration.description = tool.description;
  const parameters = toGeminiParameters(tool.parameters, { param: 'tools' });
  if (parameters) declaration.parameters = parameters;
  return declaration;
}

function toFunctionCallingConfig(choice: ToolChoice): GeminiFunctionCallingConfig {
  switch (choice.type) {
    case 'auto':
      return { mode: 'AUTO' };
    case 'none':
      return { mode: 'NONE' };
    case 'required':
      return { mode: 'ANY' };
    case 'tool':
      return { mode: 'ANY', allowedFunctionNames: [choice.name] };
  }
}

/**
 * Thinking budgets per effort, as Google's own OpenAI-compatible endpoint maps `reasoning_effort`
 * (low 1,024, medium 8,192, high 24,576 tokens); `minimal` is the smallest budget every 2.5 model accepts.
 */
const THINKING_BUDGET: Readonly<Record<ReasoningEffort, number>> = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

function toGenerationConfig(request: ChatRequest): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.stop?.length) config.stopSequences = request.stop;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  const format = request.responseFormat;
  if (format?.type === 'json') config.responseMimeType = 'application/json';
  if (format?.type === 'json-schema') {
    config.responseMimeType = 'application/json';
    const schema = toGeminiSchema(format.schema, {
      param: clientParam(request, 'response_format', 'output_format'),
    });
    if (format.description && schema.description === undefined) schema.description = format.description;
    config.responseSchema = schema;
  }
  const thinking = toThinkingConfig(request.reasoning);
  if (thinking) config.thinkingConfig = thinking;
  return config;
}

/** Reasoning asked for → a budget and the thoughts back (as reasoning); `false` → no thinking (budget 0). */
function toThinkingConfig(reasoning: ChatRequest['reasoning']): GeminiThinkingConfig | undefined {
  if (reasoning === undefined) return undefined;
  if (reasoning === false) return { thinkingBudget: 0 };
  const budget = reasoning.budgetTokens ?? (reasoning.effort ? THINKING_BUDGET[reasoning.effort] : undefined);
  return budget === undefined ? { includeThoughts: true } : { thinkingBudget: budget, includeThoughts: true };
}

// ——— Client side: a Gemini `generateContent` request → IR ———

/** Top-level fields read below; `model` is in the path (a body `model` is the batch embedding's own). */
const HANDLED = new Set([
  'contents',
  'systemInstruction',
  'system_instruction',
  'tools',
  'toolConfig',
  'generationConfig',
  'model',
]);
/** Fields that only tune how Gemini works: dropped (and reported) for other targets. */
const TUNING = new Set(['safetySettings', 'labels', 'serviceTier']);
/** generationConfig fields read below. */
const GENERATION_HANDLED = new Set([
  'temperature',
  'topP',
  'topK',
  'maxOutputTokens',
  'stopSequences',
  'candidateCount',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'thinkingConfig',
  'responseModalities',
]);
const GENERATION_TUNING = new Set(['mediaResolution', 'enableEnhancedCivicAnswers']);
/** Google's built-in tools: no other provider runs them, so a translated request refuses them by name. */
const BUILT_IN_TOOLS = [
  'googleSearch',
  'googleSearchRetrieval',
  'codeExecution',
  'urlContext',
  'fileSearch',
  'googleMaps',
  'computerUse',
  'retrieval',
];

export function parseRequest(body: Json, route?: ClientRoute): ChatRequest {
  const { unmapped, tuning } = leftoverParams(body, HANDLED, TUNING);
  const generation = isObject(body.generationConfig) ? body.generationConfig : {};
  const leftover = leftoverParams(generation, GENERATION_HANDLED, GENERATION_TUNING);
  for (const [key, value] of Object.entries(leftover.unmapped)) unmapped[`generationConfig.${key}`] = value;
  for (const [key, value] of Object.entries(leftover.tuning)) tuning[`generationConfig.${key}`] = value;

  const request: ChatRequest = {
    model: route?.model ?? '',
    system: systemOf(body.systemInstruction ?? body.system_instruction),
    messages: mergeTurns(messagesOf(body.contents, unmapped)),
    stream: route?.stream ?? false,
    // Gemini streams always carry usageMetadata.
    includeUsage: true,
    sourceFormat: 'gemini',
    unmapped,
    ...(Object.keys(tuning).length ? { tuning } : {}),
  };
  const tools = toolsOf(body.tools, unmapped);
  if (tools.length) request.tools = tools;
  const choice = toolChoiceOf(body.toolConfig, unmapped);
  if (choice) request.toolChoice = choice;
  readGenerationConfig(generation, request, unmapped);
  return request;
}

function systemOf(value: unknown): TextPart[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  const parts = isObject(value) && Array.isArray(value.parts) ? value.parts : undefined;
  if (!parts)
    throw new InvalidRequestError(
      'invalid_request',
      "'systemInstruction' must be a Content with parts.",
      'systemInstruction',
    );
  return parts.flatMap((part): TextPart[] =>
    isObject(part) && typeof part.text === 'string' ? [{ type: 'text', text: part.text }] : [],
  );
}

function messagesOf(contents: unknown, unmapped: Json): Message[] {
  if (!Array.isArray(contents))
    throw new InvalidRequestError('invalid_request', "'contents' must be an array.", 'contents');
  // Gemini matches function responses to calls by name (ids are optional): the n-th response to a
  // name answers the n-th call of it, which gives both the same IR id.
  const pending = new Map<string, string[]>();
  let calls = 0;
  return contents.map((content, turn): Message => {
    if (!isObject(content) || !Array.isArray(content.parts))
      throw new InvalidRequestError('invalid_request', `contents[${turn}] must have 'parts'.`, 'contents');
    if (content.role === 'model') {
      const parts = content.parts.flatMap((part): AssistantPart[] => {
        if (!isObject(part)) return [];
        if (isObject(part.functionCall)) {
          const call = part.functionCall;
          const name = String(call.name ?? '');
          const base = typeof call.id === 'string' && call.id ? call.id : `call_${turn}_${calls}`;
          calls++;
          const id = toolCallIdOf(base, part.thoughtSignature);
          pending.set(name, [...(pending.get(name) ?? []), id]);
          return [{ type: 'tool-call', id, name, arguments: JSON.stringify(isObject(call.args) ? call.args : {}) }];
        }
        if (typeof part.text === 'string') {
          if (part.text === '') return [];
          return part.thought === true ? [{ type: 'reasoning', text: part.text }] : [{ type: 'text', text: part.text }];
        }
        markUnmapped(part, unmapped);
        return [];
      });
      return { role: 'assistant', content: parts };
    }
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'function')
      throw new InvalidRequestError(
        'invalid_request',
        `contents[${turn}].role must be 'user' or 'model', not '${String(content.role)}'.`,
        'contents',
      );
    const parts = content.parts.flatMap((part): UserPart[] => {
      if (!isObject(part)) return [];
      if (typeof part.text === 'string') return part.text === '' ? [] : [{ type: 'text', text: part.text }];
      if (isObject(part.inlineData)) {
        const mediaType = String(part.inlineData.mimeType ?? '');
        const data = String(part.inlineData.data ?? '');
        return mediaType.startsWith('image/')
          ? [{ type: 'image', source: { kind: 'base64', mediaType, data } }]
          : [{ type: 'file', mediaType, data }];
      }
      if (isObject(part.fileData) && typeof part.fileData.fileUri === 'string') {
        const mimeType = typeof part.fileData.mimeType === 'string' ? part.fileData.mimeType : '';
        if (mimeType.startsWith('image/') || (!mimeType && /\.(png|jpe?g|gif|webp)$/i.test(part.fileData.fileUri)))
          return [{ type: 'image', source: { kind: 'url', url: part.fileData.fileUri } }];
        unmapped['contents.parts.fileData'] = part.fileData;
        return [];
      }
      if (isObject(part.functionResponse)) {
        const response = part.functionResponse;
        const name = String(response.name ?? '');
        const queue = pending.get(name) ?? [];
        const id = typeof response.id === 'string' && response.id ? matchId(response.id, queue) : queue.shift();
        if (id === undefined)
          throw new InvalidRequestError(
            'invalid_tool_result',
            `The functionResponse for '${name}' answers no earlier functionCall of that name.`,
            'contents',
          );
        const result = isObject(response.response) ? response.response : {};
        const isError = 'error' in result && !('output' in result);
        return [
          {
            type: 'tool-result',
            toolCallId: id,
            name,
            content: [{ type: 'text', text: resultText(result) }],
            ...(isError ? { isError } : {}),
          },
        ];
      }
      markUnmapped(part, unmapped);
      return [];
    });
    return { role: 'user', content: parts };
  });
}

/** A response's id names its call by the id the gateway gave it (signature left out), or Gemini's own. */
function matchId(id: string, queue: string[]): string {
  const at = queue.findIndex((queued) => queued === id || queued.startsWith(`${id}__thought__`));
  if (at < 0) return id;
  return queue.splice(at, 1)[0] as string;
}

/** `{output: "…"}` (or `{error: …}`) as its text; any other response object as JSON. */
function resultText(result: Json): string {
  const keys = Object.keys(result);
  const only = keys.length === 1 ? result[keys[0] as string] : undefined;
  if (typeof only === 'string' && (keys[0] === 'output' || keys[0] === 'result' || keys[0] === 'error')) return only;
  return JSON.stringify(result);
}

/** A part kind with no IR form (executableCode, codeExecutionResult, videoMetadata…): refused by name when translated. */
function markUnmapped(part: Json, unmapped: Json): void {
  for (const key of Object.keys(part))
    if (key !== 'thoughtSignature' && key !== 'thought') unmapped[`contents.parts.${key}`] = part[key];
}

function toolsOf(value: unknown, unmapped: Json): ToolDefinition[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidRequestError('invalid_request', "'tools' must be an array.", 'tools');
  const tools: ToolDefinition[] = [];
  for (const tool of value) {
    if (!isObject(tool)) continue;
    for (const builtIn of BUILT_IN_TOOLS) if (tool[builtIn] !== undefined) unmapped[`tools.${builtIn}`] = tool[builtIn];
    const declarations = Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : [];
    for (const declaration of declarations) {
      if (!isObject(declaration) || typeof declaration.name !== 'string')
        throw new InvalidRequestError('invalid_request', 'Each functionDeclaration needs a name.', 'tools');
      const parameters = isObject(declaration.parametersJsonSchema)
        ? declaration.parametersJsonSchema
        : isObject(declaration.parameters)
          ? fromGeminiSchema(declaration.parameters)
          : { type: 'object', properties: {} };
      tools.push({
        name: declaration.name,
        ...(typeof declaration.description === 'string' ? { description: declaration.description } : {}),
        parameters,
      });
    }
  }
  return tools;
}

/** Gemini's OpenAPI-style schema (`type: "OBJECT"`, `nullable`) → JSON Schema. */
function fromGeminiSchema(schema: unknown): Json {
  if (!isObject(schema)) return {};
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && typeof value === 'string') out.type = value.toLowerCase();
    else if (key === 'properties' && isObject(value))
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, fromGeminiSchema(sub)]));
    else if (key === 'items') out.items = fromGeminiSchema(value);
    else if ((key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) out.anyOf = value.map(fromGeminiSchema);
    else if (key === 'nullable' || key === 'propertyOrdering') continue;
    else out[key] = value;
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

function toolChoiceOf(value: unknown, unmapped: Json): ToolChoice | undefined {
  const config = isObject(value) && isObject(value.functionCallingConfig) ? value.functionCallingConfig : undefined;
  if (!config) return undefined;
  const names = Array.isArray(config.allowedFunctionNames) ? config.allowedFunctionNames.map(String) : [];
  switch (config.mode) {
    case 'NONE':
      return { type: 'none' };
    case 'ANY':
    case 'VALIDATED':
      if (names.length === 1) return { type: 'tool', name: names[0] as string };
      if (names.length > 1) unmapped['toolConfig.functionCallingConfig.allowedFunctionNames'] = names;
      return { type: 'required' };
    case 'AUTO':
    case undefined:
      return { type: 'auto' };
    default:
      throw new InvalidRequestError(
        'invalid_request',
        `toolConfig.functionCallingConfig.mode '${String(config.mode)}' is not AUTO, ANY, VALIDATED or NONE.`,
        'toolConfig',
      );
  }
}

function readGenerationConfig(config: Json, request: ChatRequest, unmapped: Json): void {
  const number = (key: string) => optionalNumber(config[key], `generationConfig.${key}`);
  const set = <K extends keyof ChatRequest>(key: K, value: ChatRequest[K] | undefined) => {
    if (value !== undefined) request[key] = value;
  };
  set('temperature', number('temperature'));
  set('topP', number('topP'));
  set('topK', number('topK'));
  set('maxTokens', number('maxOutputTokens'));
  set('seed', number('seed'));
  set('presencePenalty', number('presencePenalty'));
  set('frequencyPenalty', number('frequencyPenalty'));
  if (Array.isArray(config.stopSequences) && config.stopSequences.length)
    request.stop = config.stopSequences.map(String);
  const candidates = number('candidateCount');
  // The gateway's answer carries one candidate: more would be paid for and lost.
  if (candidates !== undefined && candidates > 1)
    throw new UnsupportedParameterError(
      'generationConfig.candidateCount',
      'this gateway',
      'only one candidate per request can be returned',
    );
  const modalities = Array.isArray(config.responseModalities) ? config.responseModalities : [];
  if (modalities.some((m) => String(m).toUpperCase() !== 'TEXT'))
    unmapped['generationConfig.responseModalities'] = modalities;

  const mime = config.responseMimeType;
  const schema = isObject(config.responseJsonSchema)
    ? config.responseJsonSchema
    : isObject(config.responseSchema)
      ? fromGeminiSchema(config.responseSchema)
      : undefined;
  if (mime === 'application/json')
    request.responseFormat = schema ? { type: 'json-schema', name: 'response', schema } : { type: 'json' };
  else if (mime !== undefined && mime !== 'text/plain') unmapped['generationConfig.responseMimeType'] = mime;

  const thinking = isObject(config.thinkingConfig) ? config.thinkingConfig : undefined;
  if (thinking) {
    const budget = optionalNumber(thinking.thinkingBudget, 'generationConfig.thinkingConfig.thinkingBudget');
    const level = typeof thinking.thinkingLevel === 'string' ? thinking.thinkingLevel.toLowerCase() : undefined;
    if (budget === 0) request.reasoning = false;
    else if (budget !== undefined && budget > 0) request.reasoning = { budgetTokens: budget };
    else if (level === 'minimal' || level === 'low' || level === 'medium' || level === 'high')
      request.reasoning = { effort: level };
    else if (thinking.includeThoughts === true || budget === -1) request.reasoning = { effort: 'medium' };
  }
}
