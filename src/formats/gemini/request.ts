/**
 * IR chat request → Gemini `generateContent` request (Gemini API reference: GenerateContentRequest,
 * Content, Part, Tool, ToolConfig, GenerationConfig). Whatever Gemini cannot express and that would
 * change the answer is refused with an `UnsupportedParameterError`, never dropped.
 */
import { InvalidRequestError, UnsupportedParameterError } from '../../errors.ts';
import { type Json, parseArguments } from '../common/json.ts';
import { hoistSystem } from '../common/messages.ts';
import { clientParam, refuseUnmapped } from '../common/refuse.ts';
import type {
  AssistantPart,
  ChatRequest,
  ImagePart,
  Message,
  ReasoningEffort,
  ToolChoice,
  ToolDefinition,
  UserPart,
} from '../ir.ts';
import type { ProviderRequest } from '../types.ts';
import { toGeminiParameters, toGeminiSchema } from './schema.ts';
import { SKIP_SIGNATURE_VALIDATION, thoughtSignatureOf } from './tool-call-ids.ts';

type GeminiPart = Json;
interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

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
  const body: Json = {};
  const system = request.system.map((part) => part.text).filter((text) => text !== '');
  if (system.length) body.systemInstruction = { parts: system.map((text) => ({ text })) };
  body.contents = toContents(request.messages);
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
  if (dataUrl) return { inlineData: { mimeType: dataUrl[1], data: dataUrl[2] } };
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

function toFunctionDeclaration(tool: ToolDefinition): Json {
  const declaration: Json = { name: tool.name };
  if (tool.description) declaration.description = tool.description;
  const parameters = toGeminiParameters(tool.parameters, { param: 'tools' });
  if (parameters) declaration.parameters = parameters;
  return declaration;
}

function toFunctionCallingConfig(choice: ToolChoice): Json {
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

function toGenerationConfig(request: ChatRequest): Json {
  const config: Json = {};
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
function toThinkingConfig(reasoning: ChatRequest['reasoning']): Json | undefined {
  if (reasoning === undefined) return undefined;
  if (reasoning === false) return { thinkingBudget: 0 };
  const budget = reasoning.budgetTokens ?? (reasoning.effort ? THINKING_BUDGET[reasoning.effort] : undefined);
  return budget === undefined ? { includeThoughts: true } : { thinkingBudget: budget, includeThoughts: true };
}
