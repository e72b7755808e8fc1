/**
 * IR chat request → Cohere v2 chat request (`POST /v2/chat`). Facts from Cohere's v2 Chat API
 * reference: messages of roles system/user/assistant/tool; an assistant turn that calls tools
 * carries `tool_plan` and `tool_calls`; each tool result is its own `tool` message; sampling is
 * `p`/`k`; `tool_choice` is only `REQUIRED` or `NONE`; `thinking` is `{type, token_budget}`.
 */
import { UnsupportedParameterError } from '../../errors.ts';
import { imageAsUrl } from '../common/images.ts';
import { joinText, mergeTurns } from '../common/messages.ts';
import { thinkingBudgetOf } from '../common/reasoning.ts';
import { clientParam, refuseUnmapped } from '../common/refuse.ts';
import type { AssistantPart, ChatRequest, Message, ToolResultPart, UserPart } from '../ir.ts';
import type { ProviderRequest } from '../types.ts';
import type {
  CohereChatRequest,
  CohereMessage,
  CohereResponseFormat,
  CohereTextContent,
  CohereThinking,
  CohereTool,
} from './wire.ts';

const COHERE = 'Cohere (v2 chat)';

/**
 * Cohere v2 parameters a client may send under their own names, passed on as they are: grounding
 * documents (which the IR has no slot for), how citations are made, and the safety mode.
 */
const COHERE_NATIVE_PARAMETERS = ['documents', 'citation_options', 'safety_mode'] as const;

type UserContent = Extract<CohereMessage, { role: 'user' }>['content'][number];

function userContentItem(part: Exclude<UserPart, ToolResultPart>, fileParam: string): UserContent {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return {
        type: 'image_url',
        image_url: { url: imageAsUrl(part.source), ...(part.detail ? { detail: part.detail } : {}) },
      };
    case 'file':
      throw new UnsupportedParameterError(
        fileParam,
        COHERE,
        "Cohere takes documents as the request's `documents`, not as message content",
      );
  }
}

/**
 * Cohere has no error flag on tool results; the result says so in words instead, so the model
 * still knows the call failed.
 */
function toolMessage(part: ToolResultPart, param: string): CohereMessage {
  const content = part.content.map((item): CohereTextContent => {
    if (item.type !== 'text')
      throw new UnsupportedParameterError(param, COHERE, 'Cohere tool results hold text only, not images');
    return { type: 'text', text: item.text };
  });
  if (part.isError) content.unshift({ type: 'text', text: 'Error:' });
  return { role: 'tool', tool_call_id: part.toolCallId, content };
}

/** A user turn: its tool results become `tool` messages, the rest user messages, in their order. */
function userMessages(parts: readonly UserPart[], request: ChatRequest): CohereMessage[] {
  const out: CohereMessage[] = [];
  let pending: UserContent[] = [];
  const flush = () => {
    if (pending.length) out.push({ role: 'user', content: pending });
    pending = [];
  };
  for (const part of parts) {
    if (part.type === 'tool-result') {
      flush();
      out.push(toolMessage(part, clientParam(request, 'messages[].content', 'tool_result.content')));
    } else pending.push(userContentItem(part, clientParam(request, 'file', 'document')));
  }
  flush();
  return out;
}

/**
 * An assistant turn. When it calls tools, its text is the `tool_plan` Cohere expects beside the
 * calls (the decoder turns a `tool_plan` into text, so the round trip is exact).
 */
function assistantMessage(parts: readonly AssistantPart[]): CohereMessage {
  const toolCalls = parts
    .filter((part) => part.type === 'tool-call')
    .map((call) => ({
      id: call.id,
      type: 'function' as const,
      function: { name: call.name, arguments: call.arguments || '{}' },
    }));
  const thinking = parts
    .filter((part) => part.type === 'reasoning' && part.text !== '')
    .map((part) => ({ type: 'thinking' as const, thinking: (part as { text: string }).text }));
  const text = joinText(parts);
  if (toolCalls.length)
    return {
      role: 'assistant',
      ...(text ? { tool_plan: text } : {}),
      tool_calls: toolCalls,
      ...(thinking.length ? { content: thinking } : {}),
    };
  return { role: 'assistant', content: [...thinking, ...(text ? [{ type: 'text' as const, text }] : [])] };
}

function cohereMessages(request: ChatRequest): CohereMessage[] {
  const systemMessage = (parts: readonly { text: string }[]): CohereMessage => ({
    role: 'system',
    content: parts.map((part) => ({ type: 'text', text: part.text })),
  });
  const system = request.system.length ? [systemMessage(request.system)] : [];
  // Cohere takes system messages anywhere in the conversation: mid-conversation ones stay at their turn.
  const turns = mergeTurns(request.messages).flatMap((message: Message): CohereMessage[] =>
    message.role === 'user'
      ? userMessages(message.content, request)
      : message.role === 'system'
        ? [systemMessage(message.content)]
        : [assistantMessage(message.content)],
  );
  return [...system, ...turns];
}

function cohereTools(request: ChatRequest): Pick<CohereChatRequest, 'tools' | 'tool_choice' | 'strict_tools'> {
  const tools = request.tools ?? [];
  if (tools.length === 0) return {};
  if (request.parallelToolCalls === false) {
    throw new UnsupportedParameterError(
      clientParam(request, 'parallel_tool_calls', 'tool_choice.disable_parallel_tool_use'),
      COHERE,
      'Cohere cannot forbid parallel tool calls',
    );
  }
  const choice = request.toolChoice;
  // A named tool is forced by offering only that tool and requiring a call.
  const offered = choice?.type === 'tool' ? tools.filter((tool) => tool.name === choice.name) : tools;
  if (offered.length === 0)
    throw new UnsupportedParameterError(
      'tool_choice',
      COHERE,
      `no tool is named '${(choice as { name: string }).name}'`,
    );
  const body: Pick<CohereChatRequest, 'tools' | 'tool_choice' | 'strict_tools'> = {
    tools: offered.map(
      (tool): CohereTool => ({
        type: 'function',
        function: {
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          parameters: tool.parameters,
        },
      }),
    ),
  };
  if (choice?.type === 'required' || choice?.type === 'tool') body.tool_choice = 'REQUIRED';
  if (choice?.type === 'none') body.tool_choice = 'NONE';
  if (tools.some((tool) => tool.strict)) body.strict_tools = true;
  return body;
}

/**
 * `thinking`. Cohere's reasoning models think unless told not to, so "no reasoning" is sent to
 * them (their names say `reasoning`); other models never think, and may not know the field.
 */
function cohereThinking(request: ChatRequest, model: string): CohereThinking | undefined {
  if (request.reasoning === false) return model.includes('reasoning') ? { type: 'disabled' } : undefined;
  const budget = thinkingBudgetOf(request, COHERE);
  return budget !== undefined ? { type: 'enabled', token_budget: budget } : undefined;
}

function cohereResponseFormat(request: ChatRequest): CohereResponseFormat | undefined {
  const format = request.responseFormat;
  if (!format) return undefined;
  return format.type === 'json' ? { type: 'json_object' } : { type: 'json_object', json_schema: format.schema };
}

/** `user` is not refused: it only serves the provider's abuse monitoring and does not change the answer. */
export function buildRequest(request: ChatRequest, model: string): ProviderRequest {
  refuseUnmapped(request, COHERE, COHERE_NATIVE_PARAMETERS);
  if (request.n !== undefined && request.n !== 1)
    throw new UnsupportedParameterError('n', COHERE, 'Cohere returns one choice');
  const body: CohereChatRequest = {
    model,
    messages: cohereMessages(request),
    stream: request.stream,
    ...cohereTools(request),
  };
  const optional: Partial<CohereChatRequest> = {
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    p: request.topP,
    k: request.topK,
    stop_sequences: request.stop?.length ? request.stop : undefined,
    seed: request.seed,
    frequency_penalty: request.frequencyPenalty,
    presence_penalty: request.presencePenalty,
    thinking: cohereThinking(request, model),
    response_format: cohereResponseFormat(request),
  };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) Object.assign(body, { [name]: value });
  for (const name of COHERE_NATIVE_PARAMETERS)
    if (request.unmapped[name] !== undefined) body[name] = request.unmapped[name];
  return { path: '/v2/chat', body };
}
