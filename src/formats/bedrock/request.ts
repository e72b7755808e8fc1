/**
 * IR chat request → Bedrock Converse request (`POST /model/{modelId}/converse` and
 * `/converse-stream`, same body). Facts from the Converse API reference: content blocks are
 * objects keyed by their kind (`text`, `image`, `document`, `toolUse`, `toolResult`,
 * `reasoningContent`, `cachePoint`); bytes travel base64-encoded in JSON; roles strictly alternate.
 */
import { UnsupportedParameterError } from '../../errors.ts';
import { DEFAULT_MAX_TOKENS, jsonToolOf } from '../anthropic/request.ts';
import { inlineImage } from '../common/images.ts';
import { parseArguments } from '../common/json.ts';
import { hoistSystem, mergeTurns } from '../common/messages.ts';
import { thinkingBudgetOf } from '../common/reasoning.ts';
import { clientParam, refuseIfSet, unmappedFor } from '../common/refuse.ts';
import type {
  AssistantPart,
  ChatRequest,
  FilePart,
  ImagePart,
  Message,
  TextPart,
  ToolChoice,
  ToolResultPart,
  UserPart,
} from '../ir.ts';
import type { ProviderRequest } from '../types.ts';
import type {
  ConverseContentBlock,
  ConverseInferenceConfig,
  ConverseMessage,
  ConverseRequest,
  ConverseToolChoice,
  ConverseToolConfig,
  ConverseToolSpec,
} from './wire.ts';

const BEDROCK = 'AWS Bedrock (Converse API)';

/** The Converse path for a model id, which may be an inference profile or an ARN (`:` and `/` inside). */
function conversePath(model: string, stream: boolean): string {
  return `/model/${encodeURIComponent(model)}/${stream ? 'converse-stream' : 'converse'}`;
}

const IMAGE_FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const DOCUMENT_FORMATS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

/** Anthropic's cache marker becomes a Converse cache point right after the marked block. */
const CACHE_POINT: ConverseContentBlock = { cachePoint: { type: 'default' } };

function textBlocks(part: TextPart): ConverseContentBlock[] {
  // Converse rejects blank text blocks; an empty part adds nothing to the prompt anyway.
  const blocks: ConverseContentBlock[] = part.text === '' ? [] : [{ text: part.text }];
  if (part.cacheControl) blocks.push(CACHE_POINT);
  return blocks;
}

function imageBlock(part: ImagePart, param: string): { image: { format: string; source: { bytes: string } } } {
  const inline = inlineImage(part.source);
  if (!inline)
    throw new UnsupportedParameterError(
      param,
      BEDROCK,
      'Bedrock takes images as bytes, not URLs: send the image base64-encoded',
    );
  const format = IMAGE_FORMATS[inline.mediaType];
  if (!format)
    throw new UnsupportedParameterError(
      param,
      BEDROCK,
      `image type '${inline.mediaType}' (Bedrock takes png, jpeg, gif and webp)`,
    );
  return { image: { format, source: { bytes: inline.data } } };
}

/** Converse document names allow letters, digits, single spaces, hyphens, parentheses and brackets. */
export function documentName(filename: string | undefined, position: number): string {
  const stem = (filename ?? '').replace(/\.[^.]*$/, '');
  const cleaned = stem
    .replace(/[^A-Za-z0-9\s\-()[\]]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned || `document-${position}`;
}

function documentBlock(part: FilePart, position: number, param: string): ConverseContentBlock {
  const format = DOCUMENT_FORMATS[part.mediaType.toLowerCase()];
  if (!format) throw new UnsupportedParameterError(param, BEDROCK, `document type '${part.mediaType}'`);
  return { document: { format, name: documentName(part.filename, position), source: { bytes: part.data } } };
}

function toolResultBlock(part: ToolResultPart, imageParam: string): ConverseContentBlock {
  const content = part.content.map((item) =>
    item.type === 'text' ? { text: item.text } : imageBlock(item, imageParam),
  );
  return {
    toolResult: { toolUseId: part.toolCallId, content, ...(part.isError ? { status: 'error' as const } : {}) },
  };
}

/** The client's names for the parameters an image or a document came in, for refusals. */
interface ParamNames {
  image: string;
  file: string;
}

function userBlocks(
  parts: readonly UserPart[],
  counter: { documents: number },
  names: ParamNames,
): ConverseContentBlock[] {
  return parts.flatMap((part): ConverseContentBlock[] => {
    switch (part.type) {
      case 'text':
        return textBlocks(part);
      case 'image':
        return [imageBlock(part, names.image)];
      case 'file':
        return [documentBlock(part, ++counter.documents, names.file)];
      case 'tool-result':
        return [toolResultBlock(part, names.image)];
    }
  });
}

function assistantBlocks(parts: readonly AssistantPart[]): ConverseContentBlock[] {
  return parts.flatMap((part): ConverseContentBlock[] => {
    switch (part.type) {
      case 'text':
        return textBlocks(part);
      case 'tool-call':
        return [{ toolUse: { toolUseId: part.id, name: part.name, input: parseArguments(part.arguments, part.id) } }];
      case 'reasoning':
        // Earlier thinking is only replayable with the model's proof of it (Claude checks the
        // signature); unsigned reasoning from another provider cannot be sent back and, being a
        // past turn's, does not steer the answer.
        if (part.redacted !== undefined) return [{ reasoningContent: { redactedContent: part.redacted } }];
        if (part.signature !== undefined)
          return [{ reasoningContent: { reasoningText: { text: part.text, signature: part.signature } } }];
        return [];
    }
  });
}

/** Converse messages; adjacent turns of one role are merged, as Converse wants them alternating. */
function converseMessages(request: ChatRequest): ConverseMessage[] {
  const counter = { documents: 0 };
  const names = { image: clientParam(request, 'image_url', 'image'), file: clientParam(request, 'file', 'document') };
  return mergeTurns(request.messages).flatMap((message): ConverseMessage[] => {
    switch (message.role) {
      case 'user':
        return [{ role: 'user', content: userBlocks(message.content, counter, names) }];
      case 'assistant':
        return [{ role: 'assistant', content: assistantBlocks(message.content) }];
      case 'system':
        // buildRequest hoisted every system turn into `system` already.
        return [];
    }
  });
}

const hasToolBlocks = (messages: readonly Message[]) =>
  messages.some((message) => message.content.some((part) => part.type === 'tool-call' || part.type === 'tool-result'));

function toolChoiceOf(choice: ToolChoice | undefined): ConverseToolChoice | undefined {
  switch (choice?.type) {
    case undefined:
      return undefined;
    case 'auto':
      return { auto: {} };
    case 'required':
      return { any: {} };
    case 'tool':
      return { tool: { name: choice.name } };
    case 'none':
      return undefined;
  }
}

const toolSpec = (
  name: string,
  description: string | undefined,
  schema: Record<string, unknown>,
): ConverseToolSpec => ({
  toolSpec: { name, ...(description ? { description } : {}), inputSchema: { json: schema } },
});

/**
 * The forced tool a JSON answer is asked for through, as the Anthropic builder does: Converse has
 * no JSON mode, so the answer comes back as that tool's input and is handed over as text.
 */
function jsonResponseTool(request: ChatRequest): ConverseToolSpec | undefined {
  const name = jsonToolOf(request);
  const format = request.responseFormat;
  if (!name || !format) return undefined;
  const schema = format.type === 'json-schema' ? format.schema : { type: 'object' };
  if (schema.type !== 'object')
    throw new UnsupportedParameterError(
      clientParam(request, 'response_format', 'output_format'),
      BEDROCK,
      "the JSON schema's root must be an object",
    );
  return toolSpec(
    name,
    (format.type === 'json-schema' ? format.description : undefined) ??
      'Respond with a JSON value that matches this schema.',
    schema,
  );
}

/** The client's tools. Converse has no "none" choice: the tools are left out instead. */
function clientTools(request: ChatRequest): ConverseToolSpec[] {
  const tools = request.tools ?? [];
  if (request.toolChoice?.type === 'none') {
    // Converse wants the tools described whenever the conversation holds tool calls or results.
    if (hasToolBlocks(request.messages)) {
      throw new UnsupportedParameterError(
        'tool_choice',
        BEDROCK,
        "Converse has no 'none' choice, and the tools cannot be left out of a conversation that already used them",
      );
    }
    return [];
  }
  if (tools.length && request.parallelToolCalls === false) {
    throw new UnsupportedParameterError(
      clientParam(request, 'parallel_tool_calls', 'tool_choice.disable_parallel_tool_use'),
      BEDROCK,
      'Converse cannot forbid parallel tool calls',
    );
  }
  // `strict` only guarantees the arguments match the schema; the schema itself still goes along.
  return tools.map((tool) => toolSpec(tool.name, tool.description, tool.parameters));
}

/** `toolConfig`, or undefined: the client's tools and choice, or the forced JSON-answer tool. */
function toolConfigOf(request: ChatRequest): ConverseToolConfig | undefined {
  const tools = clientTools(request);
  const jsonTool = jsonResponseTool(request);
  if (jsonTool) return { tools: [...tools, jsonTool], toolChoice: { tool: { name: jsonTool.toolSpec.name } } };
  if (tools.length === 0) return undefined;
  const toolChoice = toolChoiceOf(request.toolChoice);
  return { tools, ...(toolChoice ? { toolChoice } : {}) };
}

/**
 * `inferenceConfig`. With extended thinking and no limit given, the limit is the thinking budget
 * plus Anthropic's default answer length, as the Anthropic builder does: the budget must fit in it.
 */
function inferenceConfigOf(
  request: ChatRequest,
  thinkingBudget: number | undefined,
): ConverseInferenceConfig | undefined {
  const config: ConverseInferenceConfig = {};
  const maxTokens =
    request.maxTokens ?? (thinkingBudget !== undefined ? thinkingBudget + DEFAULT_MAX_TOKENS : undefined);
  if (maxTokens !== undefined) config.maxTokens = maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.stop?.length) config.stopSequences = request.stop;
  return Object.keys(config).length ? config : undefined;
}

const isClaude = (model: string) => /(^|[.:/])anthropic\./.test(model);
const isNova = (model: string) => /(^|[.:/])amazon\.nova/.test(model);

/**
 * Model-specific fields beyond `inferenceConfig`, in each model family's own request shape (the
 * Converse guide's examples): Claude takes Anthropic's `top_k` and `thinking`, Nova a nested
 * `inferenceConfig.topK`. Other families are refused rather than guessed at.
 */
function additionalFieldsOf(
  request: ChatRequest,
  model: string,
  thinkingBudget: number | undefined,
): Record<string, unknown> | undefined {
  const fields: Record<string, unknown> = {};
  if (request.topK !== undefined) {
    if (isClaude(model)) fields.top_k = request.topK;
    else if (isNova(model)) fields.inferenceConfig = { topK: request.topK };
    else throw new UnsupportedParameterError('top_k', BEDROCK, `no known way to pass it to '${model}'`);
  }
  if (thinkingBudget !== undefined) fields.thinking = { type: 'enabled', budget_tokens: thinkingBudget };
  return Object.keys(fields).length ? fields : undefined;
}

/** The thinking budget, for Claude; other model families' reasoning settings are not mapped. */
function thinkingBudgetFor(request: ChatRequest, model: string): number | undefined {
  if (!request.reasoning || !isClaude(model)) return undefined;
  return thinkingBudgetOf(request, BEDROCK);
}

/** Reasoning settings only tune the answer's effort: for other model families they are dropped and reported. */
function droppedReasoning(request: ChatRequest, model: string): string[] {
  if (!request.reasoning || isClaude(model)) return [];
  return [clientParam(request, 'reasoning_effort', 'thinking')];
}

/** `user` is not refused: it only serves the provider's abuse monitoring and does not change the answer. */
function refuseInexpressible(request: ChatRequest): void {
  unmappedFor(request, 'bedrock', BEDROCK);
  refuseIfSet(BEDROCK, {
    seed: request.seed,
    frequency_penalty: request.frequencyPenalty,
    presence_penalty: request.presencePenalty,
  });
  if (request.n !== undefined && request.n !== 1)
    throw new UnsupportedParameterError('n', BEDROCK, 'Converse returns one choice');
}

export function buildRequest(original: ChatRequest, model: string): ProviderRequest {
  // Converse takes instructions only before the conversation.
  const request = hoistSystem(original);
  refuseInexpressible(request);
  const thinkingBudget = thinkingBudgetFor(request, model);
  const body: ConverseRequest = { messages: converseMessages(request) };
  const system = request.system.flatMap(textBlocks);
  if (system.length) body.system = system;
  const inferenceConfig = inferenceConfigOf(request, thinkingBudget);
  if (inferenceConfig) body.inferenceConfig = inferenceConfig;
  const toolConfig = toolConfigOf(request);
  if (toolConfig) body.toolConfig = toolConfig;
  const additional = additionalFieldsOf(request, model, thinkingBudget);
  if (additional) body.additionalModelRequestFields = additional;
  const dropped = droppedReasoning(request, model);
  return { path: conversePath(model, request.stream), body, ...(dropped.length ? { dropped } : {}) };
}
