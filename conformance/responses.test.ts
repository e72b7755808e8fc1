import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway, waitForLog } from '../test/helpers/gateway.ts';
import { MockUpstream, streamEvents } from '../test/helpers/mock-upstream.ts';
import { haveRecordings, recordings, responsesStreams } from './recordings.ts';

/**
 * Real OpenAI Responses API answers (`../shared/fixtures/recorded/openai/openai-*`), replayed
 * through the gateway:
 *
 * - to a Chat Completions client and to an Anthropic Messages client asking a Responses-only
 *   model (`gpt-5-codex`, which the gateway asks on `/v1/responses`): translated;
 * - to a Responses client: passed through byte for byte, and metered from the answer's usage.
 *
 * What the clients must read (text, reasoning summaries, function calls, finish, usage) is worked
 * out from the recording. Items of OpenAI's built-in and custom tools (web search, MCP, shell,
 * apply_patch…) have no counterpart in the other formats and are left out of translated answers:
 * a translated request can only offer function tools, so a live answer never holds them.
 */

interface Replay {
  title: string;
  kind: 'json' | 'stream';
  /** The JSON body, or the stream's SSE events. */
  body: string;
  events: string[];
}

const replays: Replay[] = recordings(
  ['openai'],
  (first) => first?.object === 'response' || /^response\./.test(first?.type),
)
  .filter((recording) => recording.name.startsWith('openai/openai-'))
  .flatMap((recording): Replay[] => {
    if (recording.kind === 'json') return [{ title: recording.name, kind: 'json', body: recording.text, events: [] }];
    const streams = responsesStreams(recording.text);
    return streams.map((events, i) => ({
      title: streams.length > 1 ? `${recording.name} #${i + 1}` : recording.name,
      kind: 'stream',
      body: events.join(''),
      events,
    }));
  });

interface Answer {
  status: string;
  /** The text a client of the stream reads from its deltas (of a whole answer: its output text). */
  text: string;
  /** The text of the response's output items, as the `openai` SDK assembles it. */
  outputText: string;
  thinking: string[];
  calls: { id: string; name: string; input: unknown }[];
  usage: Record<string, any> | undefined;
  error: { code: string; message: string } | undefined;
}

/** The answer a recording holds, read as the Responses API defines it. */
function answerOf(replay: Replay): Answer {
  let response: Record<string, any>;
  let streamedText: string | undefined;
  if (replay.kind === 'json') response = JSON.parse(replay.body);
  else {
    const payloads = replay.events.map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)));
    const last = payloads.findLast((p) => p.response && p.type !== 'response.in_progress');
    const done = payloads.filter((p) => p.type === 'response.output_item.done').map((p) => p.item);
    response = { ...last.response, output: last.response.output?.length ? last.response.output : done };
    const error = payloads.find((p) => p.type === 'error');
    if (error) response.error = error.error ?? error;
    streamedText = streamText(payloads);
  }
  const output: any[] = response.output ?? [];
  const outputText = output
    .filter((i) => i.type === 'message')
    .flatMap((i) => i.content)
    .filter((c) => c.type === 'output_text')
    .map((c) => c.text)
    .join('');
  return {
    status: response.status,
    text: streamedText ?? outputText,
    outputText,
    thinking: output
      .filter((i) => i.type === 'reasoning' && i.summary?.length)
      .map((i) => i.summary.map((s: any) => s.text).join('\n\n')),
    calls: output
      .filter((i) => i.type === 'function_call')
      .map((i) => ({ id: i.call_id, name: i.name, input: JSON.parse(i.arguments) })),
    usage: response.usage ?? undefined,
    error: response.status === 'failed' ? response.error : undefined,
  };
}

/**
 * The text a stream says: its deltas, per content part; where the part's `output_text.done`
 * holds more than its deltas and begins with them, that whole text (some recordings were trimmed
 * to a few deltas). A `done` text that contradicts the deltas cannot undo what was streamed.
 */
function streamText(payloads: any[]): string {
  const parts = new Map<string, string>();
  for (const p of payloads) {
    const key = `${p.output_index}/${p.content_index}`;
    if (p.type === 'response.output_text.delta') parts.set(key, (parts.get(key) ?? '') + p.delta);
    if (p.type === 'response.output_text.done') {
      const deltas = parts.get(key) ?? '';
      parts.set(key, p.text.startsWith(deltas) ? p.text : deltas);
    }
  }
  return [...parts.values()].join('');
}

const finishOf = (want: Answer) =>
  want.status === 'incomplete' ? 'length' : want.calls.length ? 'tool_calls' : 'stop';

describe.skipIf(!haveRecordings)('recorded Responses API answers replayed through the gateway', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let current: Replay;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (_req, res) => {
      if (current.kind === 'json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(current.body);
      }
      return streamEvents(res, current.events);
    });
    gw = await startGateway({ OPENAI_API_KEY: 'sk-openai-conformance-key', OPENAI_BASE_URL: `${upstream.url}/v1` });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('found recordings covering text, reasoning summaries, function calls, built-in tools and an error', () => {
    const answers = replays.map(answerOf);
    expect(replays.length).toBeGreaterThan(40);
    expect(answers.filter((a) => a.text).length).toBeGreaterThan(10);
    expect(answers.filter((a) => a.thinking.length).length).toBeGreaterThan(1);
    expect(answers.filter((a) => a.calls.length).length).toBeGreaterThan(1);
    expect(answers.filter((a) => a.error).length).toBeGreaterThan(0);
  });

  const streams = replays.filter((r) => r.kind === 'stream');
  const asChat = (r: Replay) => [r.title, r] as const;

  describe('→ OpenAI SDK chat.completions (a Responses-only model, translated)', () => {
    it.each(replays.map(asChat))('%s', async (_title, replay) => {
      current = replay;
      const want = answerOf(replay);
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0, timeout: 10_000 });
      const params = { model: 'openai/gpt-5-codex', messages: [{ role: 'user' as const, content: 'x' }] };
      if (replay.kind === 'json') {
        const completion = (await client.chat.completions.create(params)) as any;
        expect(upstream.last.url).toBe('/v1/responses');
        const message = completion.choices[0].message;
        expect(message.content ?? '').toBe(want.text);
        expect(message.reasoning_content ?? '').toBe(want.thinking.join(''));
        expect(
          (message.tool_calls ?? []).map((c: any) => ({
            id: c.id,
            name: c.function.name,
            input: JSON.parse(c.function.arguments),
          })),
        ).toEqual(want.calls);
        expect(completion.choices[0].finish_reason).toBe(finishOf(want));
        expect(completion.usage).toMatchObject({
          prompt_tokens: want.usage?.input_tokens,
          completion_tokens: want.usage?.output_tokens,
          prompt_tokens_details: { cached_tokens: want.usage?.input_tokens_details?.cached_tokens ?? 0 },
        });
        return;
      }
      const stream = await client.chat.completions.create({
        ...params,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let reasoning = '';
      let finish: string | null | undefined;
      let usage: any;
      const calls = new Map<number, { id: string; name: string; args: string }>();
      const read = async () => {
        for await (const chunk of stream) {
          const choice = chunk.choices[0] as any;
          text += choice?.delta?.content ?? '';
          reasoning += choice?.delta?.reasoning_content ?? '';
          finish = choice?.finish_reason ?? finish;
          if (chunk.usage) usage = chunk.usage;
          for (const d of choice?.delta?.tool_calls ?? []) {
            const call = calls.get(d.index) ?? { id: d.id ?? '', name: d.function?.name ?? '', args: '' };
            call.args += d.function?.arguments ?? '';
            calls.set(d.index, call);
          }
        }
      };
      if (want.error) {
        // A failed response is an error the SDK raises, never a completion.
        await expect(read()).rejects.toThrow(want.error.message.slice(0, 40));
        expect(finish).toBeUndefined();
        return;
      }
      await read();
      expect(text).toBe(want.text);
      expect(reasoning).toBe(want.thinking.join(''));
      expect([...calls.values()].map((c) => ({ id: c.id, name: c.name, input: JSON.parse(c.args) }))).toEqual(
        want.calls,
      );
      expect(finish).toBe(finishOf(want));
      expect(usage).toMatchObject({
        prompt_tokens: want.usage?.input_tokens,
        completion_tokens: want.usage?.output_tokens,
      });
    });
  });

  describe('→ Anthropic SDK messages (a Responses-only model, translated)', () => {
    it.each(replays.map(asChat))('%s', async (_title, replay) => {
      current = replay;
      const want = answerOf(replay);
      const client = new Anthropic({ baseURL: gw.url, apiKey: 'client', maxRetries: 0, timeout: 10_000 });
      const params = {
        model: 'openai/gpt-5-codex',
        max_tokens: 1024,
        messages: [{ role: 'user' as const, content: 'x' }],
      };
      const result =
        replay.kind === 'json' ? client.messages.create(params) : client.messages.stream(params).finalMessage();
      if (want.error) {
        await expect(result).rejects.toThrow(want.error.message.slice(0, 40));
        return;
      }
      const message = await result;
      const blocks = message.content as any[];
      expect(
        blocks
          .filter((b) => b.type === 'text')
          .map((b) => b.text)
          .join(''),
      ).toBe(want.text);
      expect(
        blocks
          .filter((b) => b.type === 'thinking')
          .map((b) => b.thinking)
          .join(''),
      ).toBe(want.thinking.join(''));
      expect(
        blocks.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, input: b.input })),
      ).toEqual(want.calls);
      expect(message.stop_reason).toBe(
        { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' }[finishOf(want)],
      );
      const cached = want.usage?.input_tokens_details?.cached_tokens ?? 0;
      expect(message.usage).toMatchObject({
        input_tokens: (want.usage?.input_tokens ?? 0) - cached,
        output_tokens: want.usage?.output_tokens,
        cache_read_input_tokens: cached,
      });
    });
  });

  describe('→ OpenAI SDK responses (native pass-through, metered)', () => {
    it.each([...streams, ...replays.filter((r) => r.kind === 'json')].map(asChat))('%s', async (title, replay) => {
      current = replay;
      const want = answerOf(replay);
      const stream = replay.kind === 'stream';
      const requestId = `conformance-${title.replace(/[^a-z0-9]+/gi, '-')}`;
      const raw = await fetch(`${gw.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ model: 'gpt-5-codex', input: 'x', ...(stream ? { stream } : {}) }),
      });
      expect(raw.status).toBe(200);
      expect(await raw.text()).toBe(replay.body);
      expect(upstream.last.json).not.toHaveProperty('stream_options');
      const line = await waitForLog(gw, (l) => l.requestId === requestId);
      if (want.usage)
        expect(line.usage).toMatchObject({
          inputTokens: want.usage.input_tokens,
          outputTokens: want.usage.output_tokens,
        });
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0, timeout: 10_000 });
      const params = { model: 'gpt-5-codex', input: 'x' };
      if (!stream) {
        const response = await client.responses.create(params);
        expect(response.output_text).toBe(want.outputText);
        return;
      }
      const final = client.responses.stream(params).finalResponse();
      if (want.error) return void (await expect(final).rejects.toThrow(want.error.message.slice(0, 40)));
      // The SDK (7.57) does not know every event of the newest tools (apply_patch's diff events):
      // the bytes, asserted unchanged above, are then as far as a pass-through goes.
      const read = await final.catch((error: Error) => error);
      if (read instanceof Error) expect(read.message).toMatch(/^Unhandled response stream event/);
      else expect(read.output_text).toBe(want.outputText);
    });
  });
});
