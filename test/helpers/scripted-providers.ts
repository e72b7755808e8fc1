/**
 * Scripted mock providers, one per wire format (OpenAI Chat Completions and Responses, Anthropic
 * Messages, Gemini), for driving real agent CLIs through the gateway. Each answers like a model
 * following a script written in the prompt:
 *
 * - a prompt holding `SWITCHYARD-WRITE <path>` is answered with a call to the agent's shell tool
 *   (found among the request's tools by name, its arguments shaped by the tool's schema) that
 *   writes `switchyard-agent-ok` to that path; once the request carries the tool's result, the
 *   answer is the final text `SWITCHYARD-DONE`;
 * - anything else is answered with the text `SWITCHYARD-PLAIN-OK`.
 *
 * Streamed and whole answers both follow each format's wire shape, usage included.
 */
import type { ServerResponse } from 'node:http';
import { json, MockUpstream, type ReceivedRequest } from './mock-upstream.ts';

export type ScriptedFormat = 'openai' | 'anthropic' | 'gemini';

export const PLAIN_ANSWER = 'SWITCHYARD-PLAIN-OK';
export const FINAL_ANSWER = 'SWITCHYARD-DONE';
export const FILE_CONTENT = 'switchyard-agent-ok';
/** The prompt that makes the script call the shell tool: the file to write follows it. */
export const writeFilePrompt = (path: string) =>
  `Use your shell tool to create a file. SWITCHYARD-WRITE ${path} . Then say what you did.`;

/** Shell tools of the agents under test, by the name each gives it. */
const SHELL_TOOLS = ['Bash', 'bash', 'shell', 'shell_command', 'exec_command', 'run_shell_command', 'local_shell'];

interface Tool {
  name: string;
  schema: Record<string, any>;
}

type Step = { kind: 'text'; text: string } | { kind: 'tool'; name: string; callId: string; arguments: string };

/** What the script answers, given the tools offered, whether a tool result came back, and the request's text. */
function nextStep(tools: Tool[], sawToolResult: boolean, body: string, callCount: number): Step {
  if (sawToolResult) return { kind: 'text', text: FINAL_ANSWER };
  const target = /SWITCHYARD-WRITE (\S+)/.exec(body)?.[1];
  const shell = SHELL_TOOLS.map((name) => tools.find((tool) => tool.name === name)).find(Boolean);
  if (!target || !shell) return { kind: 'text', text: PLAIN_ANSWER };
  return {
    kind: 'tool',
    name: shell.name,
    callId: `call_sy${callCount}`,
    arguments: JSON.stringify(shellArguments(shell.schema, `printf ${FILE_CONTENT} > ${target}`)),
  };
}

/** Arguments for a shell tool from its JSON schema: the command where it goes, required extras filled in. */
function shellArguments(schema: Record<string, any>, command: string): Record<string, unknown> {
  const properties: Record<string, any> = schema?.properties ?? {};
  const args: Record<string, unknown> = {};
  const commandKey = ['command', 'cmd'].find((key) => key in properties) ?? 'command';
  const type = String(properties[commandKey]?.type ?? 'string').toLowerCase();
  args[commandKey] = type === 'array' ? ['bash', '-lc', command] : command;
  for (const key of (schema?.required as string[] | undefined) ?? []) {
    if (key in args) continue;
    const kind = String(properties[key]?.type ?? 'string').toLowerCase();
    args[key] = kind === 'boolean' ? false : kind === 'number' || kind === 'integer' ? 10000 : 'Write the proof file';
  }
  if ('description' in properties && !('description' in args)) args.description = 'Write the proof file';
  return args;
}

/** A scripted provider and what it was asked. */
export interface ScriptedProvider {
  url: string;
  /** The requests it received, in order. */
  received: ReceivedRequest[];
  /** The tool calls it answered with. */
  toolCalls: { name: string; arguments: string }[];
  close(): Promise<void>;
}

export async function startScriptedProvider(format: ScriptedFormat): Promise<ScriptedProvider> {
  const mock = await new MockUpstream().start();
  const toolCalls: { name: string; arguments: string }[] = [];
  const step = (tools: Tool[], sawToolResult: boolean, req: ReceivedRequest): Step => {
    const next = nextStep(tools, sawToolResult, req.body, toolCalls.length + 1);
    if (next.kind === 'tool') toolCalls.push({ name: next.name, arguments: next.arguments });
    return next;
  };
  mock.handle(async (req, res) => {
    const body = req.json ?? {};
    const path = req.url.split('?')[0] ?? '';
    if (format === 'anthropic') {
      if (path.endsWith('/count_tokens')) return json(res, 200, { input_tokens: 100 });
      if (!path.endsWith('/messages')) return json(res, 404, notFound(format));
      const tools = (body.tools ?? []).map((t: any) => ({ name: t.name, schema: t.input_schema }));
      const sawResult = (body.messages ?? []).some(
        (m: any) => Array.isArray(m.content) && m.content.some((b: any) => b?.type === 'tool_result'),
      );
      return anthropicAnswer(res, step(tools, sawResult, req), body.stream === true, String(body.model));
    }
    if (format === 'gemini') {
      const match = /models\/([^:]+):(generateContent|streamGenerateContent)$/.exec(path);
      if (!match) return json(res, 404, notFound(format));
      const tools = (body.tools ?? []).flatMap((t: any) =>
        (t.functionDeclarations ?? []).map((d: any) => ({
          name: d.name,
          schema: d.parametersJsonSchema ?? lowerTypes(d.parameters),
        })),
      );
      const sawResult = (body.contents ?? []).some((c: any) => (c.parts ?? []).some((p: any) => p.functionResponse));
      return geminiAnswer(res, step(tools, sawResult, req), match[2] === 'streamGenerateContent', String(match[1]));
    }
    if (path.endsWith('/chat/completions')) {
      const tools = (body.tools ?? []).map((t: any) => ({ name: t.function?.name, schema: t.function?.parameters }));
      const sawResult = (body.messages ?? []).some((m: any) => m.role === 'tool');
      return chatAnswer(res, step(tools, sawResult, req), body.stream === true, String(body.model));
    }
    if (path.endsWith('/responses')) {
      const tools = (body.tools ?? []).map((t: any) => ({ name: t.name ?? t.type, schema: t.parameters }));
      const input = Array.isArray(body.input) ? body.input : [];
      const sawResult = input.some((item: any) => /_call_output$/.test(String(item?.type)));
      return responsesAnswer(res, step(tools, sawResult, req), body.stream === true, String(body.model));
    }
    if (path.endsWith('/models')) return json(res, 200, { object: 'list', data: [] });
    return json(res, 404, notFound(format));
  });
  return {
    url: mock.url,
    received: mock.received,
    toolCalls,
    close: () => mock.close(),
  };
}

const notFound = (format: ScriptedFormat) =>
  format === 'anthropic'
    ? { type: 'error', error: { type: 'not_found_error', message: 'Not found' } }
    : format === 'gemini'
      ? { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } }
      : { error: { message: 'Not found', type: 'invalid_request_error', code: 'not_found' } };

/** Gemini's OpenAPI-style upper-case types, as JSON Schema's. */
function lowerTypes(schema: any): any {
  if (Array.isArray(schema)) return schema.map(lowerTypes);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema))
    out[key] = key === 'type' && typeof value === 'string' ? value.toLowerCase() : lowerTypes(value);
  return out;
}

function sse(res: ServerResponse, events: (string | [string, unknown])[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of events)
    res.write(typeof event === 'string' ? event : `event: ${event[0]}\ndata: ${JSON.stringify(event[1])}\n\n`);
  res.end();
}

const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;

function anthropicAnswer(res: ServerResponse, step: Step, stream: boolean, model: string): void {
  const usage = { input_tokens: 100, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  const block =
    step.kind === 'text'
      ? { type: 'text', text: step.text }
      : { type: 'tool_use', id: `toolu_${step.callId}`, name: step.name, input: JSON.parse(step.arguments) };
  const stopReason = step.kind === 'text' ? 'end_turn' : 'tool_use';
  const message = { id: 'msg_scripted', type: 'message', role: 'assistant', model, stop_sequence: null };
  if (!stream) {
    json(res, 200, { ...message, content: [block], stop_reason: stopReason, usage });
    return;
  }
  sse(res, [
    ['message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage } }],
    [
      'content_block_start',
      {
        type: 'content_block_start',
        index: 0,
        content_block: step.kind === 'text' ? { type: 'text', text: '' } : { ...block, input: {} },
      },
    ],
    [
      'content_block_delta',
      {
        type: 'content_block_delta',
        index: 0,
        delta:
          step.kind === 'text'
            ? { type: 'text_delta', text: step.text }
            : { type: 'input_json_delta', partial_json: step.arguments },
      },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    [
      'message_delta',
      { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 10 } },
    ],
    ['message_stop', { type: 'message_stop' }],
  ]);
}

function geminiAnswer(res: ServerResponse, step: Step, stream: boolean, model: string): void {
  const part =
    step.kind === 'text'
      ? { text: step.text }
      : { functionCall: { id: step.callId, name: step.name, args: JSON.parse(step.arguments) } };
  const answer = {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 10, totalTokenCount: 110 },
    modelVersion: model,
    responseId: 'scripted',
  };
  if (!stream) {
    json(res, 200, answer);
    return;
  }
  sse(res, [data(answer)]);
}

function chatAnswer(res: ServerResponse, step: Step, stream: boolean, model: string): void {
  const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 };
  const call = (withArgs: boolean) => ({
    id: step.kind === 'tool' ? step.callId : '',
    type: 'function',
    function: {
      name: step.kind === 'tool' ? step.name : '',
      arguments: withArgs && step.kind === 'tool' ? step.arguments : '',
    },
  });
  const finish = step.kind === 'text' ? 'stop' : 'tool_calls';
  const base = { id: 'chatcmpl-scripted', created: 1, model };
  if (!stream) {
    const message =
      step.kind === 'text'
        ? { role: 'assistant', content: step.text }
        : { role: 'assistant', content: null, tool_calls: [call(true)] };
    json(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message, finish_reason: finish }],
      usage,
    });
    return;
  }
  const chunk = (delta: unknown, finishReason: string | null = null) =>
    data({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finishReason }] });
  sse(res, [
    chunk({ role: 'assistant', content: '' }),
    step.kind === 'text' ? chunk({ content: step.text }) : chunk({ tool_calls: [{ index: 0, ...call(false) }] }),
    ...(step.kind === 'tool' ? [chunk({ tool_calls: [{ index: 0, function: { arguments: step.arguments } }] })] : []),
    chunk({}, finish),
    data({ ...base, object: 'chat.completion.chunk', choices: [], usage }),
    'data: [DONE]\n\n',
  ]);
}

function responsesAnswer(res: ServerResponse, step: Step, stream: boolean, model: string): void {
  const item =
    step.kind === 'text'
      ? {
          type: 'message',
          id: 'msg_scripted',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: step.text, annotations: [] }],
        }
      : {
          type: 'function_call',
          id: 'fc_scripted',
          status: 'completed',
          call_id: step.callId,
          name: step.name,
          arguments: step.arguments,
        };
  const usage = {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 10,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 110,
  };
  const response = { id: 'resp_scripted', object: 'response', created_at: 1, model, status: 'completed', usage };
  if (!stream) {
    json(res, 200, { ...response, output: [item] });
    return;
  }
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>): [string, unknown] => [
    type,
    { type, sequence_number: sequence++, ...fields },
  ];
  const inProgress = { ...response, status: 'in_progress', output: [], usage: null };
  const textEvents =
    step.kind === 'text'
      ? [
          event('response.content_part.added', {
            item_id: item.id,
            output_index: 0,
            content_index: 0,
            part: { type: 'output_text', text: '', annotations: [] },
          }),
          event('response.output_text.delta', {
            item_id: item.id,
            output_index: 0,
            content_index: 0,
            delta: step.text,
          }),
          event('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text: step.text }),
        ]
      : [
          event('response.function_call_arguments.delta', {
            item_id: item.id,
            output_index: 0,
            delta: step.arguments,
          }),
          event('response.function_call_arguments.done', {
            item_id: item.id,
            output_index: 0,
            arguments: step.arguments,
          }),
        ];
  sse(res, [
    event('response.created', { response: inProgress }),
    event('response.in_progress', { response: inProgress }),
    event('response.output_item.added', {
      output_index: 0,
      item: step.kind === 'text' ? { ...item, status: 'in_progress', content: [] } : { ...item, arguments: '' },
    }),
    ...textEvents,
    event('response.output_item.done', { output_index: 0, item }),
    event('response.completed', { response: { ...response, output: [item] } }),
  ]);
}
