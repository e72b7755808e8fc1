/**
 * The official `ollama` npm client as a client of the gateway: chat, generate, streams, tools,
 * embeddings and the model listing, against an OpenAI-format and an Anthropic-format mock provider
 * (translated) and an Ollama server (its own API, passed through).
 */
import { Ollama } from 'ollama';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, chatCompletionChunks, json, MockUpstream, streamEvents } from '../helpers/mock-upstream.ts';
import { anthropicMessage, anthropicTextStream } from '../helpers/native-mocks.ts';

const GATEWAY_KEY = 'gw-ollama-client-key-1';
const OPENAI_KEY = 'sk-openai-for-ollama-clients';
const ANTHROPIC_KEY = 'sk-ant-for-ollama-clients';

/** What an Ollama server answers on /api/chat (one object, or NDJSON lines). */
const ollamaAnswer = (content: string, done = true) => ({
  model: 'llama3.2',
  created_at: '2025-10-01T12:00:00.000Z',
  message: { role: 'assistant', content },
  done,
  ...(done
    ? {
        done_reason: 'stop',
        total_duration: 5,
        load_duration: 1,
        prompt_eval_count: 26,
        prompt_eval_duration: 1,
        eval_count: 7,
        eval_duration: 2,
      }
    : {}),
});

describe('the ollama client through the gateway', () => {
  const openai = new MockUpstream();
  const anthropic = new MockUpstream();
  const ollamaServer = new MockUpstream();
  let gw: TestGateway;
  let ollama: Ollama;

  beforeAll(async () => {
    await Promise.all([openai.start(), anthropic.start(), ollamaServer.start()]);
    ollamaServer.handle((req, res) =>
      req.url === '/api/tags' ? json(res, 200, { models: [{ name: 'llama3.2' }] }) : json(res, 404, {}),
    );
    gw = await startGateway({
      GATEWAY_API_KEYS: GATEWAY_KEY,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: `${openai.url}/v1`,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      OLLAMA_HOST: ollamaServer.url,
    });
    ollama = new Ollama({ host: gw.url, headers: { authorization: `Bearer ${GATEWAY_KEY}` } });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([openai.close(), anthropic.close(), ollamaServer.close()]);
  });
  beforeEach(() => {
    openai.received.length = 0;
    anthropic.received.length = 0;
    ollamaServer.received.length = 0;
  });

  it('chats through an OpenAI-format provider (stream: false), options translated, counts as Ollama reports them', async () => {
    openai.handle((_req, res) => json(res, 200, chatCompletion('Hi from GPT')));
    const response = await ollama.chat({
      model: 'openai/gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      stream: false,
      keep_alive: '5m',
      options: { temperature: 0.3, top_p: 0.8, num_predict: 64, stop: ['END'], seed: 7 },
    });
    expect(response.message).toMatchObject({ role: 'assistant', content: 'Hi from GPT' });
    expect(response).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: 19, eval_count: 10 });
    expect(openai.last.url).toBe('/v1/chat/completions');
    expect(openai.last.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(openai.last.json).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      temperature: 0.3,
      top_p: 0.8,
      stop: ['END'],
      seed: 7,
    });
    expect(openai.last.json.max_tokens ?? openai.last.json.max_completion_tokens).toBe(64);
    expect(openai.last.json.keep_alive).toBeUndefined();
  });

  it('streams chat as NDJSON (the default) through an Anthropic-format provider', async () => {
    anthropic.handle((_req, res) => streamEvents(res, anthropicTextStream(['Bon', 'jour'])));
    const stream = await ollama.chat({
      model: 'anthropic/claude-sonnet-4-5-20250929',
      messages: [{ role: 'user', content: 'Say bonjour' }],
      stream: true,
    });
    const parts: string[] = [];
    let last: { done: boolean; prompt_eval_count?: number; eval_count?: number } | undefined;
    for await (const part of stream) {
      parts.push(part.message.content);
      last = part;
    }
    expect(parts.join('')).toBe('Bonjour');
    expect(last).toMatchObject({ done: true, prompt_eval_count: 25, eval_count: 12 });
    expect(anthropic.last.json).toMatchObject({ model: 'claude-sonnet-4-5-20250929', stream: true });
    expect(anthropic.last.headers['x-api-key']).toBe(ANTHROPIC_KEY);
  });

  it('answers /api/chat with NDJSON when stream is left out', async () => {
    openai.handle((_req, res) => streamEvents(res, chatCompletionChunks(['a', 'b'])));
    const response = await fetch(`${gw.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEY}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.message.content).join('')).toBe('ab');
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop' });
    expect(lines.slice(0, -1).every((l) => l.done === false)).toBe(true);
  });

  it('generates through an Anthropic-format provider (prompt and system)', async () => {
    anthropic.handle((_req, res) => json(res, 200, anthropicMessage('{"ok":true}')));
    const response = await ollama.generate({
      model: 'anthropic/claude-sonnet-4-5-20250929',
      prompt: 'Answer in JSON',
      system: 'You answer JSON.',
      stream: false,
    });
    expect(response).toMatchObject({ response: '{"ok":true}', done: true, prompt_eval_count: 25, eval_count: 12 });
    expect(anthropic.last.json).toMatchObject({
      system: 'You answer JSON.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Answer in JSON' }] }],
    });
  });

  it('streams generate through an OpenAI-format provider, a JSON schema `format` as structured output', async () => {
    openai.handle((_req, res) => streamEvents(res, chatCompletionChunks(['{"title":', '"Once"}'])));
    const schema = { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] };
    const stream = await ollama.generate({
      model: 'openai/gpt-4o-mini',
      prompt: 'A story',
      stream: true,
      format: schema,
    });
    let text = '';
    for await (const part of stream) text += part.response;
    expect(text).toBe('{"title":"Once"}');
    expect(openai.last.json.response_format).toMatchObject({ type: 'json_schema', json_schema: { schema } });
  });

  it('calls tools and sends their results back (tool messages by name)', async () => {
    openai.handle((req, res) => {
      if (req.json.messages.some((m: { role: string }) => m.role === 'tool'))
        return json(res, 200, chatCompletion('18°C'));
      const completion = chatCompletion('');
      Object.assign(completion.choices[0] as object, {
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_o1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        finish_reason: 'tool_calls',
      });
      return json(res, 200, completion);
    });
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather in a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const first = await ollama.chat({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Paris?' }],
      tools,
      stream: false,
    });
    expect(first.message.tool_calls).toEqual([{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }]);
    expect(openai.last.json.tools[0].function.name).toBe('get_weather');
    const second = await ollama.chat({
      model: 'openai/gpt-4o-mini',
      messages: [
        { role: 'user', content: 'Paris?' },
        first.message,
        { role: 'tool', content: '18°C', tool_name: 'get_weather' },
      ],
      tools,
      stream: false,
    });
    expect(second.message.content).toBe('18°C');
    const sent = openai.last.json.messages;
    expect(sent[1].tool_calls[0]).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(sent[2]).toEqual({ role: 'tool', tool_call_id: sent[1].tool_calls[0].id, content: '18°C' });
  });

  it('embeds through an OpenAI-format provider (/api/embed and the older /api/embeddings)', async () => {
    openai.handle((req, res) =>
      json(res, 200, {
        object: 'list',
        data: (req.json.input as string[]).map((_t, index) => ({
          object: 'embedding',
          index,
          embedding: [index, 0.25],
        })),
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 3, total_tokens: 3 },
      }),
    );
    const embedded = await ollama.embed({ model: 'openai/text-embedding-3-small', input: ['a', 'b'] });
    expect(embedded.embeddings).toEqual([
      [0, 0.25],
      [1, 0.25],
    ]);
    expect(openai.last.json).toMatchObject({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    const single = await ollama.embeddings({ model: 'openai/text-embedding-3-small', prompt: 'one' });
    expect(single.embedding).toEqual([0, 0.25]);
  });

  it('lists the models the gateway routes to, shows one, and answers version and ps', async () => {
    const listed = await ollama.list();
    const names = listed.models.map((m) => m.name);
    expect(names).toContain('openai/gpt-4o-mini');
    expect(names).toContain('anthropic/claude-sonnet-4-5-20250929');
    expect(names).toContain('ollama/llama3.2');
    const shown = await ollama.show({ model: 'openai/gpt-4o-mini' });
    expect(shown.capabilities).toContain('completion');
    expect((await ollama.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await ollama.ps()).models).toEqual([]);
  });

  it('recognises /api/chat and /api/generate as Ollama: a model no other rule places goes to the Ollama provider', async () => {
    ollamaServer.handle((req, res) => {
      const { message, ...answer } = ollamaAnswer('from ollama');
      return json(
        res,
        200,
        req.url === '/api/chat' ? { ...answer, message } : { ...answer, response: message.content },
      );
    });
    const chat = await ollama.chat({
      model: 'llama3.2:3b',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
    expect(chat.message.content).toBe('from ollama');
    const generated = await ollama.generate({ model: 'llama3.2:3b', prompt: 'hi', stream: false });
    expect(generated.response).toBe('from ollama');
    expect(ollamaServer.received.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /api/chat', 'POST /api/generate']);
    expect(openai.received).toHaveLength(0);
    expect(anthropic.received).toHaveLength(0);
    const lines = gw.logs.filter(
      (l) => (l.path === '/api/chat' || l.path === '/api/generate') && l.selectedBy === 'path',
    );
    expect(lines.map((l) => l.provider)).toEqual(['ollama', 'ollama']);
  });

  it('passes Ollama requests to the Ollama provider natively (its /api/chat, the model renamed)', async () => {
    ollamaServer.handle(async (req, res) => {
      if (req.url !== '/api/chat') return json(res, 404, { error: 'not found' });
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify(ollamaAnswer('Hel', false))}\n`);
      res.end(`${JSON.stringify(ollamaAnswer('lo'))}\n`);
    });
    const stream = await ollama.chat({
      model: 'ollama/llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      keep_alive: 0,
    });
    let text = '';
    for await (const part of stream) text += part.message.content;
    expect(text).toBe('Hello');
    expect(ollamaServer.last.url).toBe('/api/chat');
    expect(ollamaServer.last.json).toEqual({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      keep_alive: 0,
    });
    expect(ollamaServer.last.headers.authorization).toBeUndefined();
    const line = gw.logs.find((l) => l.path === '/api/chat' && l.provider === 'ollama');
    expect(line?.usage).toMatchObject({ inputTokens: 26, outputTokens: 7 });
  });

  it('ends a stream that breaks off with an error line in Ollama’s shape', async () => {
    openai.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chatCompletionChunks(['partial'])[1] as string);
      setTimeout(() => res.destroy(), 20);
    });
    const response = await fetch(`${gw.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEY}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0].message.content).toBe('partial');
    expect(lines.at(-1)).toEqual({ error: expect.any(String) });
    expect(lines.some((l) => l.done === true)).toBe(false);
  });

  it('refuses bad requests in Ollama’s error shape', async () => {
    const noMessages = await postJson(
      `${gw.url}/api/chat`,
      { model: 'openai/gpt-4o-mini' },
      { authorization: `Bearer ${GATEWAY_KEY}` },
    );
    expect(noMessages.status).toBe(400);
    expect(noMessages.json).toEqual({ error: expect.stringContaining("'messages'") });
    const unauthenticated = await postJson(`${gw.url}/api/chat`, { model: 'openai/gpt-4o-mini', messages: [] });
    expect(unauthenticated.status).toBe(401);
    expect(typeof unauthenticated.json.error).toBe('string');
  });
});
