/** Responses API answers ⇄ IR: the response object with its output items, status and usage. */
import { GatewayError } from '../../errors.ts';
import { asNumber, isObject, type Json, parseJsonResponse } from '../common/json.ts';
import type { AssistantPart, ChatRequest, ChatResponse, FinishReason, TokenUsage, ToolDefinition } from '../ir.ts';
import { encodeReasoningProof, summaryTextOf } from './request.ts';
import type {
  CustomToolCallItem,
  FunctionCallItem,
  OutputItem,
  ResponseObject,
  ResponseStatus,
  ResponsesUsage,
} from './wire.ts';

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Ids in OpenAI's style (`resp_…`, `msg_…`, `fc_…`, `rs_…`). */
export const itemId = (prefix: string) => `${prefix}_${crypto.randomUUID().replace(/-/g, '')}`;

/** IR usage → the Responses API's, which counts cached input inside input and reasoning inside output, as the IR does. */
export function responsesUsage(usage: Partial<TokenUsage> | undefined): ResponsesUsage {
  const input = usage?.inputTokens ?? 0;
  const output = usage?.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.cachedInputTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.reasoningTokens ?? 0 },
    total_tokens: input + output,
  };
}

/** The Responses API's `usage` → IR usage, or undefined when it is not one. */
export function tokenUsageOf(usage: unknown): TokenUsage | undefined {
  if (!isObject(usage)) return undefined;
  const input = asNumber(usage.input_tokens);
  const output = asNumber(usage.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  const cached = isObject(usage.input_tokens_details) ? asNumber(usage.input_tokens_details.cached_tokens) : undefined;
  const reasoning = isObject(usage.output_tokens_details)
    ? asNumber(usage.output_tokens_details.reasoning_tokens)
    : undefined;
  return {
    inputTokens: input ?? 0,
    outputTokens: output ?? 0,
    ...(cached ? { cachedInputTokens: cached } : {}),
    ...(reasoning ? { reasoningTokens: reasoning } : {}),
  };
}

/** How an answer ended, as the response's `status` and `incomplete_details`. */
export function statusOf(finish: FinishReason): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** The response object around `output`, echoing the request's settings as OpenAI does. */
export function responseObject(
  request: ChatRequest,
  fields: { id: string; model: string; createdAt: number; status: ResponseStatus; output: OutputItem[] } & Partial<
    Pick<ResponseObject, 'incomplete_details' | 'usage' | 'error'>
  >,
): ResponseObject {
  const format = request.responseFormat;
  const choice = request.toolChoice;
  return {
    id: fields.id,
    object: 'response',
    created_at: fields.createdAt,
    status: fields.status,
    error: fields.error ?? null,
    incomplete_details: fields.incomplete_details ?? null,
    instructions: request.system.length ? request.system.map((p) => p.text).join('\n\n') : null,
    max_output_tokens: request.maxTokens ?? null,
    model: fields.model || request.model,
    output: fields.output,
    parallel_tool_calls: request.parallelToolCalls ?? true,
    previous_response_id: null,
    reasoning: { effort: request.reasoning ? (request.reasoning.effort ?? null) : null, summary: null },
    // Nothing is stored: a translated response cannot be retrieved or continued by id.
    store: false,
    temperature: request.temperature ?? null,
    text: {
      format:
        format?.type === 'json-schema'
          ? {
              type: 'json_schema',
              name: format.name,
              schema: format.schema,
              ...(format.description ? { description: format.description } : {}),
              strict: format.strict ?? false,
            }
          : { type: format?.type === 'json' ? 'json_object' : 'text' },
    },
    tool_choice: choice ? (choice.type === 'tool' ? { type: 'function', name: choice.name } : choice.type) : 'auto',
    tools: declaredTools(request.tools ?? []),
    top_p: request.topP ?? null,
    truncation: 'disabled',
    usage: fields.usage ?? null,
    user: request.user ?? null,
    metadata: {},
  };
}

/** The request's tools as the client declared them: namespaces regrouped, custom tools as such. */
function declaredTools(tools: ToolDefinition[]): Json[] {
  const out: Json[] = [];
  const namespaces = new Map<string, Json[]>();
  for (const tool of tools) {
    const declared = tool.declared;
    const description = tool.description ?? null;
    const own =
      declared?.kind === 'custom'
        ? { type: 'custom', name: declared.name, description }
        : {
            type: 'function',
            name: declared?.name ?? tool.name,
            description,
            parameters: tool.parameters,
            strict: tool.strict ?? false,
          };
    if (!declared?.namespace) {
      out.push(own);
      continue;
    }
    let members = namespaces.get(declared.namespace);
    if (!members) {
      members = [];
      namespaces.set(declared.namespace, members);
      out.push({ type: 'namespace', name: declared.namespace, tools: members });
    }
    members.push(own);
  }
  return out;
}

/**
 * A custom tool's raw input from the arguments the model wrote for the function standing in for
 * it (`{"input": "…"}`); arguments of any other shape are given as written.
 */
export function customInput(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (isObject(parsed) && typeof parsed.input === 'string') return parsed.input;
  } catch {}
  return args;
}

/**
 * The client's item for a call of the IR tool `call.name`, in the shape the client declared the
 * tool: a `function_call` (with the function's own name and `namespace` when it had one) or a
 * `custom_tool_call` with the raw input. `arguments` may still be partial (a stream's opening).
 */
export function callItem(
  request: ChatRequest,
  call: { id: string; name: string; arguments: string },
  status: FunctionCallItem['status'],
): FunctionCallItem | CustomToolCallItem {
  const declared = request.tools?.find((tool) => tool.name === call.name)?.declared;
  const name = declared?.name ?? call.name;
  const namespace = declared?.namespace ? { namespace: declared.namespace } : {};
  if (declared?.kind === 'custom')
    return {
      type: 'custom_tool_call',
      id: itemId('ctc'),
      status,
      call_id: call.id,
      name,
      ...namespace,
      input: customInput(call.arguments),
    };
  return {
    type: 'function_call',
    id: itemId('fc'),
    status,
    call_id: call.id,
    name,
    ...namespace,
    arguments: call.arguments,
  };
}

/** The output items of an answer: reasoning, text messages and tool calls, in order. */
function outputItems(content: AssistantPart[], request: ChatRequest): OutputItem[] {
  const items: OutputItem[] = [];
  for (const part of content) {
    if (part.type === 'reasoning') {
      const proof = encodeReasoningProof(part);
      items.push({
        type: 'reasoning',
        id: itemId('rs'),
        summary: part.text ? [{ type: 'summary_text', text: part.text }] : [],
        ...(proof ? { encrypted_content: proof } : {}),
      });
    } else if (part.type === 'text') {
      const last = items.at(-1);
      if (last?.type === 'message') (last.content[0] as { text: string }).text += part.text;
      else
        items.push({
          type: 'message',
          id: itemId('msg'),
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: part.text, annotations: [], logprobs: [] }],
        });
    } else items.push(callItem(request, part, 'completed'));
  }
  return items;
}

export function encodeResponse(response: ChatResponse, request: ChatRequest): Record<string, unknown> {
  const object = responseObject(request, {
    id: response.id.startsWith('resp_') ? response.id : itemId('resp'),
    model: response.model,
    createdAt: nowSeconds(),
    ...statusOf(response.finishReason),
    output: outputItems(response.content, request),
    usage: responsesUsage(response.usage),
  });
  return { ...object };
}

/** How a Responses answer ended, in IR terms. */
export function finishOf(body: Json, calledTools: boolean): FinishReason {
  if (body.status === 'incomplete') {
    const reason = isObject(body.incomplete_details) ? body.incomplete_details.reason : undefined;
    return reason === 'content_filter' ? 'content_filter' : 'length';
  }
  return calledTools ? 'tool_calls' : 'stop';
}

/** One output item of a provider's answer as IR parts (built-in tools' items carry nothing the IR has). */
function partsOfItem(item: Json): AssistantPart[] {
  switch (item.type) {
    case 'message': {
      const parts: AssistantPart[] = [];
      for (const content of Array.isArray(item.content) ? item.content : []) {
        if (isObject(content) && content.type === 'output_text' && typeof content.text === 'string')
          parts.push({ type: 'text', text: content.text });
        else if (isObject(content) && content.type === 'refusal' && typeof content.refusal === 'string')
          parts.push({ type: 'text', text: content.refusal });
      }
      return parts;
    }
    case 'function_call':
      return [
        {
          type: 'tool-call',
          id: String(item.call_id ?? item.id ?? itemId('call')),
          name: String(item.name ?? ''),
          arguments: String(item.arguments ?? ''),
        },
      ];
    case 'reasoning': {
      const text = summaryTextOf(item);
      return text ? [{ type: 'reasoning', text }] : [];
    }
    default:
      return [];
  }
}

export function decodeResponse(bytes: Buffer): ChatResponse {
  const body = parseJsonResponse(bytes, 'Responses API');
  if (body.status === 'failed' && isObject(body.error))
    throw new GatewayError(
      502,
      String(body.error.code ?? 'upstream_error'),
      String(body.error.message ?? 'The provider failed to answer.'),
      'upstream_error',
    );
  if (!Array.isArray(body.output))
    throw new GatewayError(502, 'upstream_malformed', "The provider's answer has no output.", 'upstream_error');
  const content = body.output.flatMap((item) => (isObject(item) ? partsOfItem(item) : []));
  return {
    id: typeof body.id === 'string' ? body.id : itemId('resp'),
    model: typeof body.model === 'string' ? body.model : '',
    content,
    finishReason: finishOf(
      body,
      content.some((p) => p.type === 'tool-call'),
    ),
    usage: tokenUsageOf(body.usage),
  };
}
