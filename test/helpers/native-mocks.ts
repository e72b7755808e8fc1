/**
 * Native answers of the providers whose wire format is not OpenAI's, for end-to-end tests that
 * need several of them at once. Shapes follow each API's reference (as the per-format tests'
 * private samples do); Gemini's samples live in test/helpers/gemini-samples.ts and Bedrock's frames in
 * test/helpers/bedrock-event-stream.ts.
 */
import type { ServerResponse } from 'node:http';
import { concat, eventFrame } from './bedrock-event-stream.ts';
import { sleep } from './mock-upstream.ts';

/** `event: <type>` + `data: <json>` framing, as Anthropic and Cohere v2 send their streams. */
export const typedEvents = (events: readonly { type: string }[]): string[] =>
  events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);

// ─── Anthropic Messages API ────────────────────────────────────────────────────────────────────

/** A Messages API answer with one text block. */
export function anthropicMessage(text: string, model = 'claude-sonnet-4-5-20250929') {
  return {
    id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 25, output_tokens: 12 },
  };
}

/** A Messages API stream of one text block whose deltas are `parts`. */
export function anthropicTextStream(parts: readonly string[], model = 'claude-sonnet-4-5-20250929'): string[] {
  return typedEvents([
    {
      type: 'message_start',
      message: {
        id: 'msg_01',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 25, output_tokens: 1 },
      },
    } as { type: string },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as { type: string },
    { type: 'ping' },
    ...parts.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 } as { type: string },
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 12 },
    } as { type: string },
    { type: 'message_stop' },
  ]);
}

// ─── Cohere v2 chat ────────────────────────────────────────────────────────────────────────────

/** A v2 `/v2/chat` answer with text. */
export function cohereAnswer(text: string) {
  return {
    id: 'e7592632-1e3d-424f-b129-bd5f9f980f7b',
    message: { role: 'assistant', content: [{ type: 'text', text }] },
    finish_reason: 'COMPLETE',
    usage: { billed_units: { input_tokens: 12, output_tokens: 7 }, tokens: { input_tokens: 507, output_tokens: 10 } },
  };
}

/** A v2 chat stream of text deltas: typed events from message-start to message-end. */
export function cohereTextStream(parts: readonly string[]): string[] {
  return typedEvents([
    {
      id: '321d178c-2c12-44d3-ae42-2f5510f6b1cc',
      type: 'message-start',
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    } as { type: string },
    { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } } as {
      type: string;
    },
    ...parts.map((text) => ({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } })),
    { type: 'content-end', index: 0 } as { type: string },
    {
      type: 'message-end',
      delta: {
        finish_reason: 'COMPLETE',
        usage: {
          billed_units: { input_tokens: 12, output_tokens: 7 },
          tokens: { input_tokens: 507, output_tokens: 10 },
        },
      },
    } as { type: string },
  ]);
}

// ─── AWS Bedrock Converse ──────────────────────────────────────────────────────────────────────

/** A Converse answer with text. */
export function converseAnswer(text: string) {
  return {
    output: { message: { role: 'assistant', content: [{ text }] } },
    stopReason: 'end_turn',
    usage: { inputTokens: 30, outputTokens: 12, totalTokens: 42 },
    metrics: { latencyMs: 321 },
  };
}

/** The AWS event-stream bytes of a ConverseStream answer whose text deltas are `parts`. */
export function converseTextStream(parts: readonly string[]): Buffer {
  return concat([
    eventFrame('messageStart', { role: 'assistant' }),
    ...parts.map((text) => eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
    eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
    eventFrame('messageStop', { stopReason: 'end_turn' }),
    eventFrame('metadata', {
      usage: { inputTokens: 30, outputTokens: 12, totalTokens: 42 },
      metrics: { latencyMs: 300 },
    }),
  ]);
}

/** Writes an AWS event stream in pieces of `pieceBytes` (so frames arrive split). */
export async function sendEventStream(res: ServerResponse, bytes: Buffer, pieceBytes = 37): Promise<void> {
  res.writeHead(200, {
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-requestid': 'b1a5e2c0-0000-4000-8000-000000000000',
  });
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
    if (res.destroyed) return;
    res.write(bytes.subarray(offset, offset + pieceBytes));
    await sleep(1);
  }
  res.end();
}

// ─── Replicate predictions ─────────────────────────────────────────────────────────────────────

export const REPLICATE_PREDICTION_ID = 'ufawqhfynnddngldkgtslldrkq';

/** A prediction as Replicate's API reference shows one; `origin` is where its `urls` point. */
export function replicatePrediction(fields: object, origin: string) {
  return {
    id: REPLICATE_PREDICTION_ID,
    model: 'meta/meta-llama-3-8b-instruct',
    version: 'dp-4d0d6bd1e5d1ba6bd4ce8f6c2ee4cd3b',
    input: {},
    logs: '',
    output: null,
    error: null,
    status: 'starting',
    created_at: '2024-05-09T15:52:21.283Z',
    urls: {
      get: `${origin}/v1/predictions/${REPLICATE_PREDICTION_ID}`,
      cancel: `${origin}/v1/predictions/${REPLICATE_PREDICTION_ID}/cancel`,
      stream: `${origin}/stream/${REPLICATE_PREDICTION_ID}`,
    },
    ...fields,
  };
}

/** One SSE `data` field per line of `text`, as the SSE spec carries text with line breaks. */
const sseDataLines = (text: string) =>
  text
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n');

/** The SSE events of a prediction's `urls.stream`: one `output` per token (plain text, not JSON), then `done`. */
export function replicateStreamEvents(parts: readonly string[]): string[] {
  return [
    ...parts.map((text, i) => `event: output\nid: 1:${i}\n${sseDataLines(text)}\n\n`),
    'event: done\ndata: {}\n\n',
  ];
}
