/**
 * The official `openai` SDK's `client.responses` through the gateway to providers without a
 * Responses API: an Anthropic-format, a Gemini-format and a Chat-Completions-only OpenAI-compatible
 * provider (DeepSeek). Each mock answers in its own wire format, deciding from what it received:
 * a structured answer when asked for one, the final text once it sees the tool's result, a tool
 * call when offered tools, else text.
 */
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import { geminiSse } from '../helpers/gemini-samples.ts';
import { json, MockUpstream, type ReceivedRequest, streamEvents } from '../helpers/mock-upstream.ts';
import { typedEvents } from '../helpers/native-mocks.ts';

type Plan = { kind: 'text'; text: string } | { kind: 'call'; name: string; args: string };

const WEATHER = { city: 'Paris', temperature_c: 18 };
const FINAL = 'It is 18°C in Paris.';
const HELLO = 'Hello from the provider.';

/** The patch a model writes for a custom (freeform) `apply_patch` tool: raw text, not JSON. */
const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+hello "world"\n*** End Patch';

/** The mock calls the first tool it is offered: a custom tool's function takes its raw text as `input`. */
const planFrom = (structured: string | undefined, sawResult: boolean, offered: string | undefined): Plan =>
  structured !== undefined
    ? { kind: 'text', text: JSON.stringify(WEATHER) }
    : sawResult
      ? { kind: 'text', text: FINAL }
      : offered !== undefined
        ? {
            kind: 'call',
            name: offered,
            args: offered === 'apply_patch' ? JSON.stringify({ input: PATCH }) : '{"city":"Paris"}',
          }
        : { kind: 'text', text: HELLO };

/** Splits text in three deltas, as providers stream. */
const thirds = (text: string) => [text.slice(0, 4), text.slice(4, 9), text.slice(9)];

function anthropicAnswer(req: ReceivedRequest, res: ServerResponse) {
  const body = req.json;
  const forced = body.tool_choice?.type === 'tool' ? (body.tool_choice.name as string) : undefined;
  const sawResult = body.messages.some(
    (m: any) => Array.isArray(m.content) && m.content.some((b: any) => b.type === 'tool_result'),
  );
  const plan = planFrom(forced, sawResult, body.tools?.[0]?.name);
  // A structured answer is a forced tool call in Anthropic's format.
  const block =
    forced !== undefined
      ? { type: 'tool_use', id: 'toolu_json', name: forced, input: WEATHER }
      : plan.kind === 'call'
        ? { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: plan.name, input: JSON.parse(plan.args) }
        : { type: 'text', text: plan.text };
  const stop = block.type === 'tool_use' ? 'tool_use' : 'end_turn';
  // Anthropic counts cache reads apart from input_tokens: 40 input tokens in all.
  const usage = { input_tokens: 30, output_tokens: 12, cache_read_input_tokens: 10 };
  const message = { id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929' };
  if (!body.stream)
    return json(res, 200, { ...message, content: [block], stop_reason: stop, stop_sequence: null, usage });
  const deltas =
    block.type === 'text'
      ? thirds(block.text as string).map((text) => ({ type: 'text_delta', text }))
      : thirds(JSON.stringify(block.input)).map((partial_json) => ({ type: 'input_json_delta', partial_json }));
  const start = block.type === 'text' ? { type: 'text', text: '' } : { ...block, input: {} };
  return streamEvents(
    res,
    typedEvents([
      {
        type: 'message_start',
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      } as { type: string },
      { type: 'content_block_start', index: 0, content_block: start } as { type: string },
      ...deltas.map((delta) => ({ type: 'content_block_delta', index: 0, delta })),
      { type: 'content_block_stop', index: 0 } as { type: string },
      { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 12 } } as {
        type: string;
      },
      { type: 'message_stop' },
    ]),
  );
}

function geminiAnswer(req: ReceivedRequest, res: ServerResponse) {
  const body = req.json;
  const config = body.generationConfig ?? {};
  const structured = config.responseMimeType === 'application/json' ? 'json' : undefined;
  const sawResult = body.contents.some((c: any) => c.parts.some((p: any) => p.functionResponse));
  const plan = planFrom(structured, sawResult, body.tools?.[0]?.functionDeclarations?.[0]?.name);
  const usageMetadata = {
    promptTokenCount: 40,
    candidatesTokenCount: 8,
    thoughtsTokenCount: 4,
    cachedContentTokenCount: 10,
    totalTokenCount: 52,
  };
  const candidate = (parts: object[], last: boolean) => ({
    candidates: [{ content: { parts, role: 'model' }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
    ...(last ? { usageMetadata } : {}),
    modelVersion: 'gemini-2.5-flash',
    responseId: 'gemini-resp-1',
  });
  const parts =
    plan.kind === 'call'
      ? [[{ functionCall: { name: plan.name, args: JSON.parse(plan.args) } }]]
      : thirds(plan.text).map((text) => [{ text }]);
  if (!req.url.includes(':streamGenerateContent')) return json(res, 200, candidate(parts.flat(), true));
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(geminiSse(parts.map((p, i) => candidate(p, i === parts.length - 1))));
}

function chatAnswer(req: ReceivedRequest, res: ServerResponse) {
  const body = req.json;
  const structured = body.response_format?.type;
  const sawResult = body.messages.some((m: any) => m.role === 'tool');
  const plan = planFrom(structured, sawResult, body.tools?.[0]?.function?.name);
  const usage = {
    prompt_tokens: 40,
    completion_tokens: 12,
    total_tokens: 52,
    prompt_tokens_details: { cached_tokens: 10 },
  };
  const call =
    plan.kind === 'call'
      ? { id: 'call_abc123', type: 'function', function: { name: plan.name, arguments: plan.args } }
      : undefined;
  const finish = call ? 'tool_calls' : 'stop';
  const base = { id: 'chatcmpl-1', created: 1, model: 'deepseek-chat' };
  if (!body.stream) {
    const message = call
      ? { role: 'assistant', content: null, tool_calls: [call] }
      : { role: 'assistant', content: (plan as { text: string }).text };
    return json(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message, finish_reason: finish }],
      usage,
    });
  }
  const chunk = (delta: object, finish_reason: string | null, extra: object = {}) =>
    `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }], ...extra })}\n\n`;
  const deltas = call
    ? [
        chunk(
          {
            role: 'assistant',
            tool_calls: [
              { index: 0, ...call, function: { name: plan.kind === 'call' ? plan.name : '', arguments: '' } },
            ],
          },
          null,
        ),
        ...thirds(call.function.arguments).map((a) =>
          chunk({ tool_calls: [{ index: 0, function: { arguments: a } }] }, null),
        ),
      ]
    : [
        chunk({ role: 'assistant', content: '' }, null),
        ...thirds((plan as { text: string }).text).map((c) => chunk({ content: c }, null)),
      ];
  const usageChunk = `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`;
  return streamEvents(res, [...deltas, chunk({}, finish), usageChunk, 'data: [DONE]\n\n']);
}

const TARGETS = [
  { name: 'Anthropic-format', model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic', answer: anthropicAnswer },
  { name: 'Gemini-format', model: 'gemini/gemini-2.5-flash', provider: 'gemini', answer: geminiAnswer },
  { name: 'Chat-Completions-only', model: 'deepseek/deepseek-chat', provider: 'deepseek', answer: chatAnswer },
] as const;

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'The current weather in a city.',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

/** Codex CLI's shapes: functions grouped in a namespace, and a custom tool with a grammar. */
const WEATHER_NAMESPACE = {
  type: 'namespace' as const,
  name: 'weather',
  description: 'Weather tools.',
  tools: [{ ...WEATHER_TOOL, strict: false }],
};
const PATCH_TOOL = {
  type: 'custom' as const,
  name: 'apply_patch',
  description: 'Edit files with a patch.',
  format: { type: 'grammar' as const, syntax: 'lark' as const, definition: 'start: /[\\s\\S]+/' },
};

/** The tools a provider was offered, in its own format. */
function toolsOf(provider: string, body: any): { name: string; description?: string; schema: any }[] {
  if (provider === 'anthropic')
    return body.tools.map((t: any) => ({ name: t.name, description: t.description, schema: t.input_schema }));
  if (provider === 'gemini')
    return body.tools[0].functionDeclarations.map((d: any) => ({
      name: d.name,
      description: d.description,
      schema: d.parametersJsonSchema ?? d.parameters,
    }));
  return body.tools.map((t: any) => ({
    name: t.function.name,
    description: t.function.description,
    schema: t.function.parameters,
  }));
}

const WEATHER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, temperature_c: { type: 'number' } },
  required: ['city', 'temperature_c'],
  additionalProperties: false,
};

/** What each provider's request holds of the tool result and the instructions, in its own format. */
function toolResultOf(provider: string, body: any): string | undefined {
  if (provider === 'anthropic')
    return (
      body.messages
        .flatMap((m: any) => (Array.isArray(m.content) ? m.content : []))
        .find((b: any) => b.type === 'tool_result')?.content?.[0]?.text ??
      body.messages
        .flatMap((m: any) => (Array.isArray(m.content) ? m.content : []))
        .find((b: any) => b.type === 'tool_result')?.content
    );
  if (provider === 'gemini')
    return JSON.stringify(
      body.contents.flatMap((c: any) => c.parts).find((p: any) => p.functionResponse)?.functionResponse.response,
    );
  return body.messages.find((m: any) => m.role === 'tool')?.content;
}

function instructionsOf(provider: string, body: any): string | undefined {
  if (provider === 'anthropic') return typeof body.system === 'string' ? body.system : body.system?.[0]?.text;
  if (provider === 'gemini') return body.systemInstruction?.parts?.[0]?.text;
  return body.messages.find((m: any) => m.role === 'system')?.content;
}

describe.each(TARGETS)('client.responses to a $name provider', ({ model, provider, answer }) => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(answer);
    gw = await startGateway({
      ANTHROPIC_API_KEY: 'sk-ant-responses-SECRET',
      ANTHROPIC_BASE_URL: upstream.url,
      GEMINI_API_KEY: 'AIza-responses-SECRET',
      GEMINI_BASE_URL: upstream.url,
      DEEPSEEK_API_KEY: 'sk-deepseek-responses-SECRET',
      DEEPSEEK_BASE_URL: upstream.url,
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('responses.create: text, the instructions as the system prompt, metered in the headers and the log line', async () => {
    const { data, response } = await client.responses
      .create(
        { model, instructions: 'Answer briefly.', input: 'Say hello.' },
        { headers: { 'x-request-id': `rt-text-${provider}` } },
      )
      .withResponse();
    expect(data.object).toBe('response');
    expect(data.status).toBe('completed');
    expect(data.output_text).toBe(HELLO);
    expect(data.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(data.usage).toMatchObject({ input_tokens: 40, input_tokens_details: { cached_tokens: 10 } });
    expect(data.usage?.output_tokens).toBe(12);
    expect(instructionsOf(provider, upstream.last.json)).toBe('Answer briefly.');
    expect(response.headers.get('x-gateway-provider')).toBe(provider);
    expect(response.headers.get('x-gateway-usage')).toMatch(/^input=40; cached_input=10; cache_write=0; output=12; /);
    expect(Number(response.headers.get('x-gateway-cost-usd'))).toBeGreaterThan(0);
    const line = await waitForLog(gw, (l) => l.requestId === `rt-text-${provider}`);
    expect(line.usage).toMatchObject({ inputTokens: 40, outputTokens: 12 });
    expect(line.costUsd).toBe(Number(response.headers.get('x-gateway-cost-usd')));
  });

  it('responses.stream: the whole event sequence, numbered, assembling the text; usage priced in the log line', async () => {
    const stream = client.responses.stream(
      { model, input: [{ role: 'user', content: [{ type: 'input_text', text: 'Say hello.' }] }] },
      { headers: { 'x-request-id': `rt-stream-${provider}` } },
    );
    const events: { type: string; sequence_number: number }[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(HELLO);
    expect(final.status).toBe('completed');
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const types = [...new Set(events.map((e) => e.type))];
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(final.usage?.input_tokens).toBe(40);
    const line = await waitForLog(gw, (l) => l.requestId === `rt-stream-${provider}`);
    expect(line.usage).toMatchObject({ inputTokens: 40, outputTokens: 12 });
    expect(line.costUsd).toBeGreaterThan(0);
  });

  it('a function call round trip: function_call out, function_call_output back in, the final text', async () => {
    const first = await client.responses.create({ model, input: 'Weather in Paris?', tools: [WEATHER_TOOL] });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    if (call?.type !== 'function_call') throw new Error('no function call');
    expect(first.status).toBe('completed');
    const second = await client.responses.create({
      model,
      tools: [WEATHER_TOOL],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: '{"temperature_c":18}' },
      ],
    });
    expect(second.output_text).toBe(FINAL);
    expect(toolResultOf(provider, upstream.last.json)).toContain('18');
  });

  it('responses.stream with tools: function_call_arguments deltas and done, the call in the final response', async () => {
    const stream = client.responses.stream({ model, input: 'Weather in Paris?', tools: [WEATHER_TOOL] });
    const types: string[] = [];
    let doneArguments: string | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.function_call_arguments.done') doneArguments = event.arguments;
    }
    const final = await stream.finalResponse();
    expect(types).toContain('response.function_call_arguments.delta');
    expect(JSON.parse(doneArguments ?? '')).toEqual({ city: 'Paris' });
    const call = final.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ name: 'get_weather', status: 'completed' });
    expect(JSON.parse((call as { arguments: string }).arguments)).toEqual({ city: 'Paris' });
  });

  it('Codex’s namespace tools: flattened for the provider, the call given back with its namespace, round trip', async () => {
    const { data, response } = await client.responses
      .create({
        model,
        input: 'Weather in Paris?',
        tools: [WEATHER_NAMESPACE],
        // Codex CLI sends its session ids here: bookkeeping, dropped and reported.
        client_metadata: { session_id: 's-1' },
      } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
      .withResponse();
    expect(response.headers.get('x-gateway-dropped-params')).toBe('client_metadata');
    expect(toolsOf(provider, upstream.last.json).map((t) => t.name)).toEqual(['weather__get_weather']);
    expect(JSON.stringify(upstream.last.json)).not.toContain('s-1');
    const call = data.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ name: 'get_weather', namespace: 'weather', arguments: '{"city":"Paris"}' });
    if (call?.type !== 'function_call') throw new Error('no function call');
    const second = await client.responses.create({
      model,
      tools: [WEATHER_NAMESPACE],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: call.call_id, name: 'get_weather', namespace: 'weather', arguments: '{}' },
        { type: 'function_call_output', call_id: call.call_id, output: '{"temperature_c":18}' },
      ],
    });
    expect(second.output_text).toBe(FINAL);
    expect(JSON.stringify(upstream.last.json.messages ?? upstream.last.json.contents)).toContain(
      'weather__get_weather',
    );
    expect(toolResultOf(provider, upstream.last.json)).toContain('18');

    const stream = client.responses.stream({ model, input: 'Weather in Paris?', tools: [WEATHER_NAMESPACE] });
    const added: unknown[] = [];
    for await (const event of stream) if (event.type === 'response.output_item.added') added.push(event.item);
    expect(added).toEqual([
      expect.objectContaining({ type: 'function_call', name: 'get_weather', namespace: 'weather' }),
    ]);
    const final = await stream.finalResponse();
    expect(final.output[0]).toMatchObject({ type: 'function_call', name: 'get_weather', namespace: 'weather' });
  });

  it('a custom (freeform) tool: a function of one string for the provider, a custom_tool_call back, round trip', async () => {
    const first = await client.responses.create({ model, input: 'Add hello.txt.', tools: [PATCH_TOOL] });
    const [offered] = toolsOf(provider, upstream.last.json);
    expect(offered?.name).toBe('apply_patch');
    expect(offered?.description).toBe('Edit files with a patch.');
    expect(offered?.schema.required).toEqual(['input']);
    expect(JSON.stringify(offered?.schema)).toContain('lark grammar');
    const call = first.output.find((item) => item.type === 'custom_tool_call');
    expect(call).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: PATCH });
    if (call?.type !== 'custom_tool_call') throw new Error('no custom tool call');
    expect(first.output.some((item) => item.type === 'function_call')).toBe(false);

    const second = await client.responses.create({
      model,
      tools: [PATCH_TOOL],
      input: [
        { role: 'user', content: 'Add hello.txt.' },
        { type: 'custom_tool_call', call_id: call.call_id, name: 'apply_patch', input: PATCH },
        { type: 'custom_tool_call_output', call_id: call.call_id, output: 'Done: 18 bytes written' },
      ],
    });
    expect(second.output_text).toBe(FINAL);
    expect(toolResultOf(provider, upstream.last.json)).toContain('18 bytes');

    const stream = client.responses.stream({ model, input: 'Add hello.txt.', tools: [PATCH_TOOL] });
    const types: string[] = [];
    let doneInput: string | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.custom_tool_call_input.done') doneInput = event.input;
    }
    expect(types).not.toContain('response.function_call_arguments.delta');
    expect(types).toContain('response.custom_tool_call_input.delta');
    expect(doneInput).toBe(PATCH);
    const final = await stream.finalResponse();
    expect(final.output[0]).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: PATCH });
  });

  it('structured output: text.format json_schema becomes the provider’s structured output, whole and streamed', async () => {
    const format = { type: 'json_schema' as const, name: 'weather', schema: WEATHER_SCHEMA, strict: true };
    const whole = await client.responses.create({ model, input: 'Weather in Paris as JSON.', text: { format } });
    expect(JSON.parse(whole.output_text)).toEqual(WEATHER);
    const body = upstream.last.json;
    if (provider === 'anthropic') expect(body.tool_choice).toEqual({ type: 'tool', name: 'weather' });
    if (provider === 'gemini') expect(body.generationConfig.responseMimeType).toBe('application/json');
    if (provider === 'deepseek') expect(body.response_format.type).toBe('json_schema');
    const stream = client.responses.stream({ model, input: 'Weather in Paris as JSON.', text: { format } });
    const final = await stream.finalResponse();
    expect(JSON.parse(final.output_text)).toEqual(WEATHER);
  });

  it('previous_response_id and built-in tools are refused by name with a 400', async () => {
    const chained = await postJson(`${gw.url}/v1/responses`, {
      model,
      input: 'More.',
      previous_response_id: 'resp_123',
    });
    expect(chained.status).toBe(400);
    expect(chained.json.error).toMatchObject({ type: 'invalid_request_error', param: 'previous_response_id' });
    const search = await postJson(`${gw.url}/v1/responses`, { model, input: 'News?', tools: [{ type: 'web_search' }] });
    expect(search.status).toBe(400);
    expect(search.json.error.param).toBe('tools');
    expect(search.json.error.message).toContain("'web_search'");
  });

  it('tuning parameters are dropped and reported; max_output_tokens and temperature are mapped', async () => {
    const response = await postJson(
      `${gw.url}/v1/responses`,
      {
        model,
        input: 'Hi',
        store: false,
        metadata: { run: '1' },
        prompt_cache_key: 'k1',
        safety_identifier: 'user-1',
        max_output_tokens: 300,
        temperature: 0.2,
      },
      { 'x-request-id': `rt-dropped-${provider}` },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-dropped-params')).toBe(
      'store, metadata, prompt_cache_key, safety_identifier',
    );
    const line = await waitForLog(gw, (l) => l.requestId === `rt-dropped-${provider}`);
    expect(line.droppedParams).toEqual(['store', 'metadata', 'prompt_cache_key', 'safety_identifier']);
    const body = upstream.last.json;
    const sent = JSON.stringify(body);
    expect(sent).not.toContain('prompt_cache_key');
    expect(sent).toContain('300');
    expect(sent).toContain('0.2');
  });
});
