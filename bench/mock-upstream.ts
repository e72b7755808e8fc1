// A mock OpenAI upstream for the benchmark, run as its own process: `node bench/mock-upstream.ts`.
// It listens on 127.0.0.1 on an ephemeral port, prints the port on stdout, and answers
// POST /v1/chat/completions with a fixed completion, as JSON or as an SSE stream, and POST /v1/responses
// with the same answer as a Responses API stream; a model ending in `bench-hold` gets a stream that
// stays open after its first event (for the idle-stream memory measure). Responses are
// built once at start-up so the mock spends as little CPU as possible per request.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const ID = 'chatcmpl-B3nchM0ckUpstr3amX9aQ2';
const CREATED = Math.floor(Date.now() / 1000);
const MODEL = 'gpt-4o-mini-2024-07-18';
const FINGERPRINT = 'fp_0ba0d124f1';
const CONTENT =
  'A gateway adds a hop between the client and the model: it reads the request, picks a provider, ' +
  'forwards the body and relays the answer as it arrives. Kept lean, that hop costs well under a millisecond.';
const USAGE = { prompt_tokens: 24, completion_tokens: 42, total_tokens: 66 };

const JSON_BODY = Buffer.from(
  JSON.stringify({
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: CONTENT, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: USAGE,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  }),
);

/**
 * 20 chunk events (role, 18 text deltas, finish) and the [DONE] terminator, one Buffer per write.
 * Like OpenAI, when the request sets `stream_options.include_usage`, every chunk carries
 * `"usage":null` and a last chunk with no choices carries the usage.
 */
function sseEvents(includeUsage: boolean): Buffer[] {
  const usage = includeUsage ? { usage: null } : {};
  const event = (chunk: object) =>
    Buffer.from(
      `data: ${JSON.stringify({ id: ID, object: 'chat.completion.chunk', created: CREATED, model: MODEL, system_fingerprint: FINGERPRINT, ...chunk })}\n\n`,
    );
  const choice = (delta: object, finishReason: string | null) => ({
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...usage,
  });
  const words = CONTENT.split(' ');
  const deltas = Array.from({ length: 18 }, (_, i) => {
    const from = Math.round((i * words.length) / 18);
    return (i === 0 ? '' : ' ') + words.slice(from, Math.round(((i + 1) * words.length) / 18)).join(' ');
  });
  return [
    event(choice({ role: 'assistant', content: '', refusal: null }, null)),
    ...deltas.map((content) => event(choice({ content }, null))),
    event(choice({}, 'stop')),
    ...(includeUsage ? [event({ choices: [], usage: USAGE })] : []),
    Buffer.from('data: [DONE]\n\n'),
  ];
}
const SSE_EVENTS = { plain: sseEvents(false), withUsage: sseEvents(true) };

/** The same answer as a Responses API stream: lifecycle events around one message of 18 deltas. */
function responsesEvents(): Buffer[] {
  let sequence = 0;
  const event = (type: string, fields: object) =>
    Buffer.from(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
  const response = (status: string, output: object[], usage: object | null) => ({
    id: 'resp_B3nchM0ckUpstr3amX9aQ2',
    object: 'response',
    created_at: CREATED,
    status,
    model: MODEL,
    output,
    usage,
  });
  const item = { id: 'msg_B3nch', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
  const part = { type: 'output_text', text: CONTENT, annotations: [] };
  const done = { ...item, status: 'completed', content: [part] };
  const at = { item_id: item.id, output_index: 0, content_index: 0 };
  const words = CONTENT.split(' ');
  const deltas = Array.from({ length: 18 }, (_, i) => {
    const from = Math.round((i * words.length) / 18);
    return (i === 0 ? '' : ' ') + words.slice(from, Math.round(((i + 1) * words.length) / 18)).join(' ');
  });
  return [
    event('response.created', { response: response('in_progress', [], null) }),
    event('response.in_progress', { response: response('in_progress', [], null) }),
    event('response.output_item.added', { output_index: 0, item }),
    event('response.content_part.added', { ...at, part: { ...part, text: '' } }),
    ...deltas.map((delta) => event('response.output_text.delta', { ...at, delta })),
    event('response.output_text.done', { ...at, text: CONTENT }),
    event('response.content_part.done', { ...at, part }),
    event('response.output_item.done', { output_index: 0, item: done }),
    event('response.completed', {
      response: response('completed', [done], {
        input_tokens: USAGE.prompt_tokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: USAGE.completion_tokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: USAGE.total_tokens,
      }),
    }),
  ];
}
const RESPONSES_EVENTS = responsesEvents();

function answer(res: ServerResponse, stream: boolean, includeUsage: boolean, responsesApi: boolean): void {
  if (!stream) {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': JSON_BODY.length,
      'x-request-id': 'req_mock',
    });
    res.end(JSON_BODY);
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': 'req_mock',
  });
  // The first event leaves with the headers; the rest follow on the next turn of the event loop,
  // one write each, so the first byte is not held back by the whole stream.
  const events = responsesApi ? RESPONSES_EVENTS : includeUsage ? SSE_EVENTS.withUsage : SSE_EVENTS.plain;
  res.write(events[0]);
  setImmediate(() => {
    for (let i = 1; i < events.length; i++) res.write(events[i]);
    res.end();
  });
}

/** A stream that sends its first event and then nothing until the client goes: an idle open stream. */
const HOLD_MODEL = 'bench-hold';
function hold(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.write(SSE_EVENTS.plain[0]);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const responsesApi = req.url === '/v1/responses';
  if (req.method !== 'POST' || (req.url !== '/v1/chat/completions' && !responsesApi)) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let request: { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } };
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof request;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"invalid JSON"}}');
      return;
    }
    if (typeof request.model === 'string' && request.model.endsWith(HOLD_MODEL)) return hold(res);
    answer(res, request.stream === true, request.stream_options?.include_usage === true, responsesApi);
  });
}

const server = createServer({ keepAliveTimeout: 65_000 }, handle);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
