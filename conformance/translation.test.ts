import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../test/helpers/gateway.ts';
import { MockUpstream, streamEvents } from '../test/helpers/mock-upstream.ts';
import {
  anthropicResponses,
  anthropicSseFrames,
  haveRecordings,
  openAISseFrames,
  type Recording,
  recordings,
  sseEvents,
  sseRecordings,
  streamPayloads,
} from './recordings.ts';

/**
 * Replays real provider answers through the gateway's format translation, both ways:
 *
 * - Anthropic Messages answers, served by a mock Anthropic upstream, read by the official OpenAI
 *   SDK at /v1/chat/completions (translated), and by the official Anthropic SDK at /v1/messages
 *   (native pass-through, bytes unchanged);
 * - OpenAI-format chat completions of every OpenAI-compatible provider, served by a mock upstream,
 *   read by the official Anthropic SDK at /v1/messages (translated);
 * - both, read by the official OpenAI SDK at /v1/responses (translated; the providers with a
 *   Responses API of their own excepted). Recorded Responses answers: responses.test.ts.
 *
 * What the client must read (text, reasoning, tool calls, finish reason, usage) is worked out from
 * the recording itself, never written down here.
 *
 * Left out: Anthropic answers of other APIs (skills), completions, embeddings, images, transcriptions, realtime and error bodies (other endpoints or formats).
 */

// ───────────────────────────── the recordings ─────────────────────────────

/** One HTTP response to replay: a recording, or one response of a multi-response recording. */
interface Replay extends Recording {
  /** The recording's name, with `#n` when it holds several responses. */
  title: string;
}

const anthropicReplays: Replay[] = recordings(
  ['anthropic'],
  (first) => first?.type === 'message' || first?.type === 'message_start',
).flatMap((recording): Replay[] => {
  if (recording.kind === 'json') return [{ ...recording, title: recording.name }];
  const responses = anthropicResponses(recording.text);
  return responses.map((text, i) => ({
    ...recording,
    text,
    title: responses.length > 1 ? `${recording.name} #${i + 1}` : recording.name,
  }));
});

const FOLDER_TO_PROVIDER: Record<string, string> = {
  openai: 'openai',
  groq: 'groq',
  deepseek: 'deepseek',
  mistral: 'mistral',
  xai: 'xai',
  perplexity: 'perplexity',
  'openai-compatible': 'openai',
  azure: 'azure-openai',
};

/**
 * A Chat Completions answer: a `chat.completion` body, or a stream of `chat.completion.chunk`s
 * (Azure's first chunk has an empty `object`; Perplexity's last one is `chat.completion.done`).
 */
function isChatCompletion(recording: Recording): boolean {
  try {
    if (recording.kind === 'json') return JSON.parse(recording.text)?.object === 'chat.completion';
    const payloads = streamPayloads(recording);
    return (
      payloads.some((p) => p?.object === 'chat.completion.chunk') &&
      payloads.every((p) => ['chat.completion.chunk', 'chat.completion.done', ''].includes(p?.object))
    );
  } catch {
    return false;
  }
}

const openAIReplays: Replay[] = [
  ...recordings(Object.keys(FOLDER_TO_PROVIDER), () => true),
  ...sseRecordings(Object.keys(FOLDER_TO_PROVIDER)),
]
  .filter(isChatCompletion)
  .map((recording) => ({ ...recording, title: recording.name }));

if (!haveRecordings) console.log('conformance: ../shared/fixtures/recorded not found; translation replays skipped');

// ───────────────────────────── what the recordings say ─────────────────────────────

interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** What an answer holds, in terms both formats share. */
interface Answer {
  id: string;
  model: string;
  text: string;
  thinking: string;
  toolCalls: ToolCall[];
  stopReason: string;
  usage: Record<string, any>;
  /** Ids of Anthropic server-side tool blocks (web search, code execution, MCP…): no client can run them. */
  serverToolIds: string[];
  /** The stream starts a second, different message before the first one stopped. */
  spliced: boolean;
}

const TOOL_INPUT_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

/** The Anthropic message a recording holds, built from its events as the Messages API defines them. */
function anthropicAnswer(replay: Replay): Answer {
  let message: Record<string, any> | undefined;
  let spliced = false;
  if (replay.kind === 'json') {
    message = JSON.parse(replay.text);
  } else {
    const buffers = new Map<number, string>();
    for (const event of streamPayloads(replay)) {
      if (event.type === 'message_start') {
        if (!message)
          message = { ...event.message, content: [...event.message.content], usage: { ...event.message.usage } };
        else if (event.message.id !== message.id) {
          spliced = true;
          break;
        }
        continue;
      }
      if (!message) throw new Error(`${replay.title}: an event before message_start`);
      if (event.type === 'content_block_start') {
        message.content[event.index] = { ...event.content_block };
        if (TOOL_INPUT_BLOCKS.has(event.content_block.type)) buffers.set(event.index, '');
      } else if (event.type === 'content_block_delta') {
        const block = message.content[event.index];
        if (event.delta.type === 'text_delta') block.text += event.delta.text;
        if (event.delta.type === 'thinking_delta') block.thinking += event.delta.thinking;
        if (event.delta.type === 'input_json_delta')
          buffers.set(event.index, (buffers.get(event.index) ?? '') + event.delta.partial_json);
      } else if (event.type === 'content_block_stop') {
        const json = buffers.get(event.index);
        if (json) message.content[event.index].input = JSON.parse(json);
      } else if (event.type === 'message_delta') {
        message.stop_reason = event.delta.stop_reason;
        for (const [key, value] of Object.entries(event.usage ?? {})) if (value !== null) message.usage[key] = value;
      } else if (event.type === 'message_stop') {
        break;
      }
    }
  }
  if (!message) throw new Error(`${replay.title}: no message`);
  const blocks: any[] = message.content.filter(Boolean);
  return {
    id: message.id,
    model: message.model,
    text: blocks
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join(''),
    thinking: blocks
      .filter((b) => b.type === 'thinking')
      .map((b) => b.thinking)
      .join(''),
    toolCalls: blocks.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, input: b.input })),
    stopReason: message.stop_reason,
    usage: message.usage,
    serverToolIds: blocks.filter((b) => b.type === 'server_tool_use' || b.type === 'mcp_tool_use').map((b) => b.id),
    spliced,
  };
}

/** Text and thinking of an OpenAI-format `content`: a string, or (Mistral's reasoning models) an array of text and thinking chunks. */
function contentParts(content: unknown): { text: string; thinking: string } {
  if (typeof content === 'string') return { text: content, thinking: '' };
  if (!Array.isArray(content)) return { text: '', thinking: '' };
  const texts = (chunks: any[]): string =>
    chunks
      .filter((c) => c?.type === 'text')
      .map((c) => c.text)
      .join('');
  return {
    text: texts(content),
    thinking: content
      .filter((c) => c?.type === 'thinking')
      .map((c) => texts(c.thinking ?? []))
      .join(''),
  };
}

const reasoningOf = (message: Record<string, any>) =>
  typeof message.reasoning_content === 'string'
    ? message.reasoning_content
    : typeof message.reasoning === 'string'
      ? message.reasoning
      : '';

/** The answer an OpenAI-format recording holds, read as the Chat Completions API defines it. */
function openAIAnswer(replay: Replay): Answer & { hasUsage: boolean } {
  let id = '';
  let model = '';
  let text = '';
  let thinking = '';
  let finish = '';
  let usage: Record<string, any> | undefined;
  const calls: { id: string; name: string; arguments: string }[] = [];
  if (replay.kind === 'json') {
    const body = JSON.parse(replay.text);
    const message = body.choices[0].message;
    ({ id, model } = body);
    const parts = contentParts(message.content);
    text = parts.text || (typeof message.refusal === 'string' ? message.refusal : '');
    thinking = reasoningOf(message) + parts.thinking;
    for (const call of message.tool_calls ?? [])
      calls.push({ id: call.id, name: call.function.name, arguments: call.function.arguments ?? '' });
    finish = body.choices[0].finish_reason;
    usage = body.usage ?? body.x_groq?.usage;
  } else {
    // Tool-call fragments belong together by `index`; a fragment with a new id starts a new call
    // (Mistral sends whole calls without an index).
    const byIndex = new Map<number | string, (typeof calls)[number]>();
    for (const chunk of streamPayloads(replay)) {
      if (!id && chunk.id) ({ id, model } = chunk);
      const choice = chunk.choices?.[0];
      const delta = choice?.delta ?? {};
      const parts = contentParts(delta.content);
      text += parts.text;
      thinking += reasoningOf(delta) + parts.thinking;
      for (const fragment of delta.tool_calls ?? []) {
        const key = fragment.index ?? `call-${calls.length}`;
        let call = byIndex.get(key);
        if (!call || (fragment.id && fragment.id !== call.id)) {
          call = { id: fragment.id, name: fragment.function?.name ?? '', arguments: '' };
          byIndex.set(key, call);
          calls.push(call);
        }
        call.arguments += fragment.function?.arguments ?? '';
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
      usage = chunk.usage ?? chunk.x_groq?.usage ?? usage;
    }
  }
  return {
    id,
    model,
    text,
    thinking,
    toolCalls: calls.map((c) => ({ id: c.id, name: c.name, input: c.arguments.trim() ? JSON.parse(c.arguments) : {} })),
    stopReason: finish,
    usage: usage ?? {},
    hasUsage: usage !== undefined,
    serverToolIds: [],
    spliced: false,
  };
}

const ANTHROPIC_TO_OPENAI_FINISH: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};
const OPENAI_TO_ANTHROPIC_STOP: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

function mapped(map: Record<string, string>, reason: string): string {
  const to = map[reason];
  if (!to) throw new Error(`no mapping for the recording's stop reason '${reason}'`);
  return to;
}

/** Anthropic's usage (input_tokens excludes cache reads and writes) as OpenAI reports it. */
function openAIUsageOf(usage: Record<string, any>) {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + cacheRead + (usage.cache_creation_input_tokens ?? 0);
  const completion = usage.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    cached_tokens: cacheRead,
  };
}

/**
 * OpenAI-format usage as Anthropic reports it: input_tokens without the cached tokens, and
 * output_tokens counting everything generated, thinking included (Anthropic's definition). Most
 * providers count reasoning inside completion_tokens; xAI counts it outside, as its total_tokens
 * (prompt + completion + reasoning) shows.
 */
function anthropicUsageOf(usage: Record<string, any>) {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  const reasoningOutside =
    reasoning > 0 && usage.total_tokens === usage.prompt_tokens + usage.completion_tokens + reasoning;
  return {
    input_tokens: usage.prompt_tokens - cached,
    output_tokens: usage.completion_tokens + (reasoningOutside ? reasoning : 0),
    cache_read_input_tokens: cached,
  };
}

// ───────────────────────────── what the clients read ─────────────────────────────

/** Data payloads of an SSE body, `[DONE]` included as the string. */
function ssePayloads(body: string): { event?: string; data: string }[] {
  return body
    .split('\n\n')
    .filter((e) => e.trim())
    .map((e) => {
      const lines = e.split('\n');
      const event = lines
        .find((l) => l.startsWith('event:'))
        ?.slice(6)
        .trim();
      const data = lines
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      return { ...(event ? { event } : {}), data };
    });
}

/** What an OpenAI client reads from a stream of chunks. */
function readChunks(chunks: any[]) {
  let text = '';
  let reasoning = '';
  const finishes: string[] = [];
  let usage: any;
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  const ids = new Set<string>();
  const models = new Set<string>();
  for (const chunk of chunks) {
    ids.add(chunk.id);
    models.add(chunk.model);
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string') text += delta.content;
    if (typeof delta.reasoning_content === 'string') reasoning += delta.reasoning_content;
    for (const fragment of delta.tool_calls ?? []) {
      const call = calls.get(fragment.index) ?? { id: '', name: '', arguments: '' };
      if (fragment.id) call.id = fragment.id;
      if (fragment.function?.name) call.name += fragment.function.name;
      call.arguments += fragment.function?.arguments ?? '';
      calls.set(fragment.index, call);
    }
    if (choice.finish_reason) finishes.push(choice.finish_reason);
  }
  return {
    firstDelta: chunks[0]?.choices?.[0]?.delta,
    text,
    reasoning,
    finishes,
    usage,
    ids: [...ids],
    models: [...models],
    toolCalls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c),
  };
}

const parsedCalls = (calls: { id: string; name: string; arguments: string }[]) =>
  calls.map((c) => ({ id: c.id, name: c.name, input: JSON.parse(c.arguments) as unknown }));

/** The parts of an Anthropic message both formats share. */
function messageParts(message: Anthropic.Message) {
  const blocks = message.content as any[];
  return {
    text: blocks
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join(''),
    thinking: blocks
      .filter((b) => b.type === 'thinking')
      .map((b) => b.thinking)
      .join(''),
    toolCalls: blocks.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, input: b.input })),
  };
}

// ───────────────────────────── the replays ─────────────────────────────

describe.skipIf(!haveRecordings)('recorded answers replayed through the format translation', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let current: Replay;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (_req, res) => {
      if (current.kind === 'json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(current.text);
      }
      if (current.kind === 'sse') return streamEvents(res, sseEvents(current.text));
      return streamEvents(
        res,
        current.folder === 'anthropic' ? anthropicSseFrames(current.text) : openAISseFrames(current.text),
      );
    });
    const env: Record<string, string> = {
      ANTHROPIC_API_KEY: 'sk-ant-conformance-key',
      ANTHROPIC_BASE_URL: upstream.url,
      AZURE_OPENAI_API_KEY: 'azure-conformance-key',
      AZURE_OPENAI_ENDPOINT: upstream.url,
    };
    for (const id of ['OPENAI', 'GROQ', 'DEEPSEEK', 'MISTRAL', 'XAI', 'PERPLEXITY']) {
      env[`${id}_API_KEY`] = `${id.toLowerCase()}-conformance-key`;
      env[`${id}_BASE_URL`] = `${upstream.url}/${id.toLowerCase()}`;
    }
    gw = await startGateway(env);
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('found recordings to replay, covering text, reasoning, tool calls, server tools and cached input', () => {
    expect(anthropicReplays.length).toBeGreaterThan(40);
    expect(openAIReplays.length).toBeGreaterThan(30);
    const anthropicAnswers = anthropicReplays.map(anthropicAnswer);
    const openAIAnswers = openAIReplays.map(openAIAnswer);
    for (const answers of [anthropicAnswers, openAIAnswers]) {
      expect(answers.filter((a) => a.text).length).toBeGreaterThan(10);
      expect(answers.filter((a) => a.thinking).length).toBeGreaterThan(3);
      expect(answers.filter((a) => a.toolCalls.length).length).toBeGreaterThan(5);
    }
    expect(anthropicAnswers.filter((a) => a.serverToolIds.length).length).toBeGreaterThan(5);
    expect(anthropicAnswers.filter((a) => a.usage.cache_read_input_tokens > 0).length).toBeGreaterThan(0);
    expect(openAIAnswers.filter((a) => a.usage.prompt_tokens_details?.cached_tokens > 0).length).toBeGreaterThan(3);
  });

  describe('Anthropic answers → OpenAI SDK (/v1/chat/completions, translated)', () => {
    const openai = () =>
      new OpenAI({
        baseURL: `${gw.url}/v1`,
        apiKey: 'client',
        maxRetries: 0,
        timeout: 10_000,
        defaultHeaders: { 'x-provider': 'anthropic' },
      });

    it.each(anthropicReplays.map((r) => [r.title, r] as const))('%s', async (_title, replay) => {
      current = replay;
      const want = anthropicAnswer(replay);
      const client = openai();
      const params = { model: want.model, messages: [{ role: 'user' as const, content: 'x' }] };

      if (replay.kind === 'json') {
        const completion = (await client.chat.completions.create(params)) as any;
        expect(upstream.last.url).toMatch(/\/messages$/);
        expect(completion.id).toBe(want.id);
        const message = completion.choices[0].message;
        expect(message.role).toBe('assistant');
        expect(message.content ?? '').toBe(want.text);
        expect(message.reasoning_content ?? '').toBe(want.thinking);
        expect(parsedCalls((message.tool_calls ?? []).map((c: any) => ({ id: c.id, ...c.function })))).toEqual(
          want.toolCalls,
        );
        // Server-side tool blocks (web search, code execution, MCP…) have no OpenAI form: they are left out, not made into calls.
        for (const serverId of want.serverToolIds) expect(JSON.stringify(completion)).not.toContain(serverId);
        expect(completion.choices[0].finish_reason).toBe(mapped(ANTHROPIC_TO_OPENAI_FINISH, want.stopReason));
        const usage = openAIUsageOf(want.usage);
        expect(completion.usage).toMatchObject({
          prompt_tokens: usage.prompt_tokens,
          completion_tokens: usage.completion_tokens,
          total_tokens: usage.total_tokens,
          prompt_tokens_details: { cached_tokens: usage.cached_tokens },
        });
        return;
      }

      // The raw bytes: `data:` events, the last one `[DONE]`.
      const raw = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-provider': 'anthropic' },
        body: JSON.stringify({ ...params, stream: true, stream_options: { include_usage: true } }),
      });
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = ssePayloads(await raw.text());
      expect(upstream.last.json).toMatchObject({ stream: true });

      if (want.spliced) {
        // A second message starting inside the first: the gateway cannot tell what the answer is,
        // and says so with an error event rather than mixing the two messages.
        const last = JSON.parse(events.at(-1)!.data);
        expect(last.error).toMatchObject({ code: 'upstream_malformed' });
        expect(events.some((e) => e.data === '[DONE]')).toBe(false);
        const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
        expect(chunks.every((c) => c.choices?.[0]?.finish_reason == null)).toBe(true);
        const stream = await client.chat.completions.create({ ...params, stream: true });
        await expect(async () => {
          for await (const _chunk of stream);
        }).rejects.toThrow(/second message/);
        return;
      }

      expect(events.at(-1)!.data).toBe('[DONE]');
      expect(events.filter((e) => e.data === '[DONE]')).toHaveLength(1);
      const rawChunks = events.slice(0, -1).map((e) => JSON.parse(e.data));

      // And what the SDK reads from them.
      const stream = await client.chat.completions.create({
        ...params,
        stream: true,
        stream_options: { include_usage: true },
      });
      const sdkChunks: any[] = [];
      for await (const chunk of stream) sdkChunks.push(chunk);

      for (const chunks of [rawChunks, sdkChunks]) {
        const got = readChunks(chunks);
        expect(got.firstDelta?.role).toBe('assistant');
        expect(got.ids).toEqual([want.id]);
        expect(got.models).toEqual([want.model]);
        expect(got.text).toBe(want.text);
        expect(got.reasoning).toBe(want.thinking);
        expect(parsedCalls(got.toolCalls)).toEqual(want.toolCalls);
        for (const serverId of want.serverToolIds) expect(JSON.stringify(chunks)).not.toContain(serverId);
        expect(got.finishes).toEqual([mapped(ANTHROPIC_TO_OPENAI_FINISH, want.stopReason)]);
        const usage = openAIUsageOf(want.usage);
        expect(got.usage).toMatchObject({
          prompt_tokens: usage.prompt_tokens,
          completion_tokens: usage.completion_tokens,
          total_tokens: usage.total_tokens,
          prompt_tokens_details: { cached_tokens: usage.cached_tokens },
        });
        // The usage chunk comes last, with no choices.
        expect(chunks.at(-1).choices).toEqual([]);
      }
    });
  });

  describe('Anthropic answers → Anthropic SDK (/v1/messages, native pass-through)', () => {
    const anthropic = () =>
      new Anthropic({
        baseURL: gw.url,
        apiKey: 'client',
        maxRetries: 0,
        timeout: 10_000,
        defaultHeaders: { 'x-provider': 'anthropic' },
      });

    it.each(anthropicReplays.map((r) => [r.title, r] as const))('%s', async (_title, replay) => {
      current = replay;
      const want = anthropicAnswer(replay);
      const client = anthropic();
      const params = { model: want.model, max_tokens: 1024, messages: [{ role: 'user' as const, content: 'x' }] };
      const stream = replay.kind !== 'json';

      const raw = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-provider': 'anthropic', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ ...params, ...(stream ? { stream } : {}) }),
      });
      expect(raw.status).toBe(200);
      expect(await raw.text()).toBe(stream ? anthropicSseFrames(replay.text).join('') : replay.text);

      if (!stream) {
        const message = await client.messages.create(params);
        expect(message).toEqual(JSON.parse(replay.text));
        expect({ ...messageParts(message), stop_reason: message.stop_reason }).toEqual({
          text: want.text,
          thinking: want.thinking,
          toolCalls: want.toolCalls,
          stop_reason: want.stopReason,
        });
        return;
      }
      const finalMessage = client.messages.stream(params).finalMessage();
      if (streamPayloads(replay).filter((e) => e.type === 'message_start').length > 1) {
        // Unchanged bytes include the provider's second message_start, which the SDK refuses.
        await expect(finalMessage).rejects.toThrow(/Unexpected event order/);
        return;
      }
      const message = await finalMessage;
      // The SDK's reading of the bytes agrees with this suite's reading of the recording.
      expect({ id: message.id, ...messageParts(message), stop_reason: message.stop_reason }).toEqual({
        id: want.id,
        text: want.text,
        thinking: want.thinking,
        toolCalls: want.toolCalls,
        stop_reason: want.stopReason,
      });
      expect(message.usage).toMatchObject({
        input_tokens: want.usage.input_tokens,
        output_tokens: want.usage.output_tokens,
      });
    });
  });

  describe('OpenAI-format answers → Anthropic SDK (/v1/messages, translated)', () => {
    it.each(openAIReplays.map((r) => [r.title, r] as const))('%s', async (_title, replay) => {
      current = replay;
      const want = openAIAnswer(replay);
      const provider = FOLDER_TO_PROVIDER[replay.folder]!;
      const client = new Anthropic({
        baseURL: gw.url,
        apiKey: 'client',
        maxRetries: 0,
        timeout: 10_000,
        defaultHeaders: { 'x-provider': provider },
      });
      const params = {
        model: want.model || 'model',
        max_tokens: 1024,
        messages: [{ role: 'user' as const, content: 'x' }],
      };

      let message: Anthropic.Message;
      if (replay.kind === 'json') {
        message = await client.messages.create(params);
      } else {
        // The raw events: each named after its type, from message_start to message_stop.
        const raw = await fetch(`${gw.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-provider': provider, 'anthropic-version': '2023-06-01' },
          body: JSON.stringify({ ...params, stream: true }),
        });
        expect(raw.status).toBe(200);
        const events = ssePayloads(await raw.text());
        for (const event of events) expect(JSON.parse(event.data).type).toBe(event.event);
        expect(events[0]!.event).toBe('message_start');
        expect(events.at(-1)!.event).toBe('message_stop');
        expect(events.filter((e) => e.event === 'message_delta')).toHaveLength(1);

        const stream = client.messages.stream(params);
        const types: string[] = [];
        for await (const event of stream) types.push(event.type);
        expect(types[0]).toBe('message_start');
        expect(types.at(-1)).toBe('message_stop');
        message = await stream.finalMessage();
      }
      expect(upstream.last.url).toMatch(/\/chat\/completions(\?|$)/);
      expect(message.id).toBe(want.id);
      expect(message.model).toBe(want.model);
      expect(messageParts(message)).toEqual({ text: want.text, thinking: want.thinking, toolCalls: want.toolCalls });
      // Blocks come in the order the provider produced them (reasoning, then the answer, then the calls); no empty text block.
      const order = (message.content as any[]).map((b) => b.type);
      expect(order).toEqual(
        [...order].sort(
          (a, b) => ['thinking', 'text', 'tool_use'].indexOf(a) - ['thinking', 'text', 'tool_use'].indexOf(b),
        ),
      );
      expect((message.content as any[]).filter((b) => b.type === 'text' && b.text === '')).toEqual([]);
      // An answer that calls tools stops to have them run, whatever `stop` the provider says (OpenAI answers a named tool_choice with `stop`).
      const finish = want.stopReason === 'stop' && want.toolCalls.length > 0 ? 'tool_calls' : want.stopReason;
      expect(message.stop_reason).toBe(mapped(OPENAI_TO_ANTHROPIC_STOP, finish));
      if (want.hasUsage) expect(message.usage).toMatchObject(anthropicUsageOf(want.usage));
    });
  });

  describe('Anthropic and Chat-Completions answers → OpenAI SDK responses (/v1/responses, translated)', () => {
    /** What the SDK assembles from a response: text, reasoning summaries, function calls, status, usage. */
    const read = (response: OpenAI.Responses.Response) => ({
      text: response.output_text,
      thinking: response.output
        .flatMap((item) => (item.type === 'reasoning' ? item.summary.map((s) => s.text) : []))
        .join(''),
      toolCalls: response.output.flatMap((item) =>
        item.type === 'function_call' ? [{ id: item.call_id, name: item.name, input: JSON.parse(item.arguments) }] : [],
      ),
    });
    // OpenAI and Azure OpenAI have the Responses API themselves: their answers are not translated.
    const translatedOnly = openAIReplays.filter(
      (r) => !['openai', 'azure-openai'].includes(FOLDER_TO_PROVIDER[r.folder]!),
    );
    const cases = [
      ...anthropicReplays.filter((r) => !anthropicAnswer(r).spliced).map((r) => ['anthropic', r] as const),
      ...translatedOnly.map((r) => [FOLDER_TO_PROVIDER[r.folder]!, r] as const),
    ];

    it.each(cases.map(([provider, r]) => [r.title, provider, r] as const))('%s', async (_title, provider, replay) => {
      current = replay;
      const want = provider === 'anthropic' ? anthropicAnswer(replay) : openAIAnswer(replay);
      const client = new OpenAI({
        baseURL: `${gw.url}/v1`,
        apiKey: 'client',
        maxRetries: 0,
        timeout: 10_000,
        defaultHeaders: { 'x-provider': provider },
      });
      const params = { model: want.model || 'model', input: 'x' };
      const response =
        replay.kind === 'json'
          ? await client.responses.create(params)
          : await client.responses.stream(params).finalResponse();
      expect(upstream.last.url).toMatch(provider === 'anthropic' ? /\/messages$/ : /\/chat\/completions(\?|$)/);
      expect(read(response)).toEqual({ text: want.text, thinking: want.thinking, toolCalls: want.toolCalls });
      for (const serverId of want.serverToolIds) expect(JSON.stringify(response)).not.toContain(serverId);
      const finish = provider === 'anthropic' ? mapped(ANTHROPIC_TO_OPENAI_FINISH, want.stopReason) : want.stopReason;
      expect(response.status).toBe(finish === 'length' || finish === 'content_filter' ? 'incomplete' : 'completed');
      const usage =
        provider === 'anthropic'
          ? openAIUsageOf(want.usage)
          : 'hasUsage' in want && want.hasUsage
            ? { prompt_tokens: want.usage.prompt_tokens, completion_tokens: anthropicUsageOf(want.usage).output_tokens }
            : undefined;
      if (usage)
        expect(response.usage).toMatchObject({
          input_tokens: usage.prompt_tokens,
          output_tokens: usage.completion_tokens,
        });
    });
  });
});
