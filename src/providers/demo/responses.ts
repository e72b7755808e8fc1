/**
 * The demo's answer on OpenAI's Responses API, kept minimal and apart: a text message, its usage,
 * and for streams the event sequence SDKs assemble (created → deltas → completed).
 */
import { sseEvent } from '../../formats/common/sse.ts';
import { demoText, tokensOf } from './answers.ts';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The text of `input` (a string, or input items with text content) and of `instructions`. */
function inputText(body: Record<string, unknown>): { said: string; all: string } {
  const texts: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) for (const item of value) collect(item);
    else if (value && typeof value === 'object') {
      const { content, text } = value as { content?: unknown; text?: unknown };
      collect(content ?? text);
    }
  };
  collect(body.input);
  const said = texts.at(-1) ?? '';
  const instructions = typeof body.instructions === 'string' ? body.instructions : '';
  return { said, all: [instructions, ...texts].join(' ') };
}

export function demoResponse(body: Record<string, unknown>) {
  const { said, all } = inputText(body);
  const text = demoText(said);
  const id = crypto.randomUUID().replace(/-/g, '');
  const usage = { input_tokens: tokensOf(all), output_tokens: tokensOf(text) };
  const message = {
    type: 'message',
    id: `msg_demo${id.slice(0, 20)}`,
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [] }],
  };
  return {
    id: `resp_demo${id}`,
    object: 'response',
    created_at: nowSeconds(),
    status: 'completed',
    model: typeof body.model === 'string' ? body.model : 'demo',
    output: [message],
    usage: {
      ...usage,
      total_tokens: usage.input_tokens + usage.output_tokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

/** The same answer as Responses stream events, one SSE event per string. */
export function demoResponseEvents(body: Record<string, unknown>): string[] {
  const done = demoResponse(body);
  const message = done.output[0] as (typeof done.output)[0];
  const text = message.content[0]?.text ?? '';
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) =>
    sseEvent({ type, sequence_number: sequence++, ...data }, type);
  const pending = { ...done, status: 'in_progress', output: [], usage: null };
  const item = { ...message, status: 'in_progress', content: [] };
  const at = { item_id: message.id, output_index: 0, content_index: 0 };
  return [
    event('response.created', { response: pending }),
    event('response.in_progress', { response: pending }),
    event('response.output_item.added', { output_index: 0, item }),
    event('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } }),
    ...words(text).map((delta) => event('response.output_text.delta', { ...at, delta })),
    event('response.output_text.done', { ...at, text }),
    event('response.content_part.done', { ...at, part: message.content[0] }),
    event('response.output_item.done', { output_index: 0, item: message }),
    event('response.completed', { response: done }),
  ];
}

/** Text cut after each space, the way models stream it a few characters at a time. */
export const words = (text: string) => text.match(/\S+\s*/g) ?? [];
