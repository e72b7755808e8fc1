import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, chatCompletionChunks, json, MockUpstream, streamEvents } from '../helpers/mock-upstream.ts';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.ts';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';

const usageChunk = `data: ${JSON.stringify({
  id: 'chatcmpl-stream-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-2024-08-06',
  choices: [],
  usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
})}\n\n`;

/** The upstream's traceparent: the trace, and the span id of the attempt that sent it. */
const traceparentOf = (header: unknown) => {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(String(header));
  if (!match) throw new Error(`no traceparent upstream: ${String(header)}`);
  return { traceId: match[1] as string, spanId: match[2] as string };
};

const byKind = (spans: ReceivedSpan[], kind: number) => spans.filter((s) => s.kind === kind);

describe('OpenTelemetry traces (OTLP/JSON)', () => {
  let upstream: MockUpstream;
  let receiver: OtlpReceiver;
  let gw: TestGateway;

  beforeAll(async () => {
    receiver = await new OtlpReceiver().start();
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.json?.model === 'gpt-4o-down') return json(res, 503, { error: { message: 'overloaded' } });
      if (req.json?.stream)
        return streamEvents(res, [
          ...chatCompletionChunks(['Hel', 'lo'], 'gpt-4o-2024-08-06').slice(0, -1),
          usageChunk,
          'data: [DONE]\n\n',
        ]);
      json(res, 200, { ...chatCompletion('Hello there', 'gpt-4o-2024-08-06'), id: 'chatcmpl-abc123' });
    });
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-SECRET-trace',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'gateway-under-test',
      MAX_RETRIES: '0',
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
    await receiver.close();
  });

  it('a chat: a server span continuing the client trace, a client span per attempt, GenAI attributes', async () => {
    const answer = await postJson(
      `${gw.url}/v1/chat/completions`,
      { model: 'gpt-4o', max_tokens: 50, temperature: 0.2, messages: [{ role: 'user', content: 'secret prompt' }] },
      { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01` },
    );
    expect(answer.status).toBe(200);
    const answeredAt = Date.now();
    const spans = await receiver.trace(TRACE_ID, 2);
    // Spans leave in batches, but within a second of the answer.
    expect(Date.now() - answeredAt).toBeLessThan(1000);
    const [server] = byKind(spans, SERVER);
    const [client] = byKind(spans, CLIENT);
    expect(server).toBeDefined();
    expect(client).toBeDefined();
    expect(server!.parentSpanId).toBe(CLIENT_SPAN_ID);
    expect(client!.parentSpanId).toBe(server!.spanId);
    expect(server!.resource['service.name']).toBe('gateway-under-test');
    expect(server!.name).toBe('POST /v1/chat/completions');
    expect(server!.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.usage.input_tokens': 19,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.response.id': 'chatcmpl-abc123',
      'switchyard.cost_usd': Number(answer.headers.get('x-gateway-cost-usd')),
      'switchyard.request_id': answer.headers.get('x-request-id'),
      'switchyard.attempts': 1,
    });
    expect(client!.name).toBe('chat gpt-4o');
    expect(client!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': 'chatcmpl-abc123',
      'gen_ai.usage.input_tokens': 19,
      'http.response.status_code': 200,
      'switchyard.attempt': 1,
      'switchyard.selected_by': expect.any(String),
    });
    expect(client!.attributes['error.type']).toBeUndefined();
    // The provider got the attempt's span as its parent, in the same trace.
    expect(traceparentOf(upstream.last.headers.traceparent)).toEqual({ traceId: TRACE_ID, spanId: client!.spanId });
    // Prompt and completion stay out of traces unless asked for.
    expect(JSON.stringify(spans)).not.toContain('secret prompt');
    expect(JSON.stringify(spans)).not.toContain('Hello there');
  });

  it('a stream: finish reason, response id and usage read from the events', async () => {
    const answer = await postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o', stream: true, messages: [] });
    expect(answer.text).toContain('[DONE]');
    const { traceId } = traceparentOf(upstream.last.headers.traceparent);
    const spans = await receiver.trace(traceId, 2);
    const [server] = byKind(spans, SERVER);
    expect(server!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.response.id': 'chatcmpl-123',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 3,
    });
    // Without an incoming traceparent the server span starts the trace.
    expect(server!.parentSpanId).toBeUndefined();
  });

  it('a translated request: an Anthropic client served by OpenAI', async () => {
    const answer = await postJson(`${gw.url}/v1/messages`, {
      model: 'openai/gpt-4o',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.type).toBe('message');
    const { traceId, spanId } = traceparentOf(upstream.last.headers.traceparent);
    const spans = await receiver.trace(traceId, 2);
    const [server] = byKind(spans, SERVER);
    const [client] = byKind(spans, CLIENT);
    expect(client!.spanId).toBe(spanId);
    expect(server!.attributes).toMatchObject({
      'http.route': '/v1/messages',
      'switchyard.client_format': 'anthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.max_tokens': 64,
      // Anthropic's name for the finish reason, as the client got it.
      'gen_ai.response.finish_reasons': ['end_turn'],
    });
    expect(client!.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' });
  });

  it('a fallback: the failed attempt and the one that answered, each its own span and traceparent', async () => {
    const before = upstream.received.length;
    const answer = await postJson(
      `${gw.url}/v1/chat/completions`,
      { model: 'gpt-4o-down', messages: [] },
      { 'x-gateway-fallback': 'openai/gpt-4o' },
    );
    expect(answer.status).toBe(200);
    const sent = upstream.received.slice(before).map((r) => traceparentOf(r.headers.traceparent));
    expect(sent).toHaveLength(2);
    expect(sent[0]!.traceId).toBe(sent[1]!.traceId);
    expect(sent[0]!.spanId).not.toBe(sent[1]!.spanId);
    const spans = await receiver.trace(sent[0]!.traceId, 3);
    const [server] = byKind(spans, SERVER);
    const attempts = byKind(spans, CLIENT).sort(
      (a, b) => (a.attributes['switchyard.attempt'] as number) - (b.attributes['switchyard.attempt'] as number),
    );
    expect(attempts.map((s) => s.spanId)).toEqual(sent.map((s) => s.spanId));
    expect(attempts.map((s) => s.parentSpanId)).toEqual([server!.spanId, server!.spanId]);
    expect(attempts[0]!.attributes).toMatchObject({
      'switchyard.attempt': 1,
      'gen_ai.request.model': 'gpt-4o-down',
      'http.response.status_code': 503,
      'error.type': '503',
    });
    expect(attempts[0]!.status.code).toBe(ERROR);
    expect(attempts[1]!.attributes).toMatchObject({
      'switchyard.attempt': 2,
      'gen_ai.request.model': 'gpt-4o',
      'http.response.status_code': 200,
      'gen_ai.usage.output_tokens': 10,
    });
    expect(attempts[1]!.attributes['error.type']).toBeUndefined();
    expect(server!.attributes).toMatchObject({ 'switchyard.attempts': 2, 'http.response.status_code': 200 });
    expect(server!.status.code).not.toBe(ERROR);
  });

  it('a request that fails: error.type on the server span', async () => {
    const answer = await postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o-down', messages: [] });
    expect(answer.status).toBe(503);
    const { traceId } = traceparentOf(upstream.last.headers.traceparent);
    const [server] = byKind(await receiver.trace(traceId, 2), SERVER);
    expect(server!.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    expect(server!.status.code).toBe(ERROR);
  });
});

describe('OpenTelemetry settings', () => {
  const run = async (env: Record<string, string>, body: object) => {
    const receiver = await new OtlpReceiver().start();
    const upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion('the completion text', 'gpt-4o')));
    const gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-SECRET-trace2',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      ...env,
      ...(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
        ? { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}${env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}` }
        : { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }),
    });
    try {
      expect((await postJson(`${gw.url}/v1/chat/completions`, body)).status).toBe(200);
      return { receiver, traceparent: String(upstream.last.headers.traceparent) };
    } finally {
      await gw.close(); // flushes the spans
      await upstream.close();
      await receiver.close();
    }
  };

  it('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true records prompt and completion', async () => {
    const { receiver } = await run(
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' },
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'the prompt text' }] },
    );
    const server = receiver.spans.find((s) => s.kind === SERVER)!;
    expect(JSON.parse(server.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'the prompt text' }] },
    ]);
    expect(JSON.parse(server.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'the completion text' }], finish_reason: 'stop' },
    ]);
  });

  it('OTEL_TRACES_SAMPLER=always_off exports nothing but still propagates the trace', async () => {
    const { receiver, traceparent } = await run(
      { OTEL_TRACES_SAMPLER: 'always_off' },
      { model: 'gpt-4o', messages: [] },
    );
    expect(receiver.spans).toEqual([]);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  it('http/protobuf to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT with OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const { receiver } = await run(
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '/custom/traces',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=otlp-SECRET-token',
      },
      { model: 'gpt-4o', messages: [] },
    );
    expect(receiver.exports.length).toBeGreaterThan(0);
    const [sent] = receiver.exports;
    expect(sent!.path).toBe('/custom/traces');
    expect(sent!.headers['content-type']).toBe('application/x-protobuf');
    expect(sent!.headers['x-collector-token']).toBe('otlp-SECRET-token');
    // Protobuf keeps strings as they are: the span names are in the bytes.
    expect(sent!.body.toString('latin1')).toContain('POST /v1/chat/completions');
  });
});
