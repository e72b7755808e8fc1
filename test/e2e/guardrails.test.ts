import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { preloadYaml } from '../../src/config/yaml.ts';
import { assembleAnthropic, assembleOpenAI, readAnthropicStream, readOpenAIStream } from '../helpers/formats.ts';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import {
  chatCompletion,
  chatCompletionChunks,
  json,
  MockUpstream,
  sleep,
  streamEvents,
} from '../helpers/mock-upstream.ts';
import { anthropicMessage, anthropicTextStream } from '../helpers/native-mocks.ts';
import { OtlpReceiver } from '../helpers/otlp-receiver.ts';

const MODEL = 'claude-sonnet-4-5-20250929';

/** One value of each PII kind, and the placeholder it becomes. */
const PII = {
  email: ['ops@corp.example.com', '[EMAIL]'],
  card: ['4111 1111 1111 1111', '[CARD]'],
  ssn: ['078-05-1120', '[SSN]'],
  phone: ['+1 415 555 2671', '[PHONE]'],
  iban: ['DE89370400440532013000', '[IBAN]'],
  ip: ['203.0.113.7', '[IP]'],
} as const;
const VALUES = Object.values(PII).map(([value]) => value);
const PLACEHOLDERS = Object.values(PII).map(([, placeholder]) => placeholder);

// PII in the system prompt, the user's text, a tool call's arguments and a tool result.
const SYSTEM = `Support agent. Escalate to ${PII.email[0]}.`;
const USER = `My card is ${PII.card[0]} and my SSN is ${PII.ssn[0]}. Call ${PII.phone[0]}.`;
const TOOL_ARGS = JSON.stringify({ account: PII.iban[0] });
const TOOL_RESULT = `Last login from ${PII.ip[0]}.`;

const PROMPTS = {
  openai: {
    path: '/v1/chat/completions',
    body: {
      model: MODEL,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: USER },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: TOOL_ARGS } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: TOOL_RESULT },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    },
  },
  anthropic: {
    path: '/v1/messages',
    body: {
      model: MODEL,
      max_tokens: 100,
      system: SYSTEM,
      messages: [
        { role: 'user', content: USER },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: JSON.parse(TOOL_ARGS) }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: TOOL_RESULT }] },
      ],
      tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
    },
  },
  'openai-responses': {
    path: '/v1/responses',
    body: {
      model: MODEL,
      instructions: SYSTEM,
      input: [
        { role: 'user', content: USER },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: TOOL_ARGS },
        { type: 'function_call_output', call_id: 'call_1', output: TOOL_RESULT },
      ],
      tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }],
    },
  },
  gemini: {
    path: `/v1beta/models/${MODEL}:generateContent`,
    body: {
      systemInstruction: { parts: [{ text: SYSTEM }] },
      contents: [
        { role: 'user', parts: [{ text: USER }] },
        { role: 'model', parts: [{ functionCall: { name: 'lookup', args: JSON.parse(TOOL_ARGS) } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'lookup', response: { result: TOOL_RESULT } } }] },
      ],
      tools: [{ functionDeclarations: [{ name: 'lookup', parameters: { type: 'object' } }] }],
    },
  },
  ollama: {
    path: '/api/chat',
    body: {
      model: MODEL,
      stream: false,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: USER },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ function: { name: 'lookup', arguments: JSON.parse(TOOL_ARGS) } }],
        },
        { role: 'tool', content: TOOL_RESULT },
      ],
    },
  },
} as const;

function rulesFile(rules: unknown, name = 'guardrails.json'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-guardrails-')), name);
  writeFileSync(file, typeof rules === 'string' ? rules : JSON.stringify({ rules }));
  return file;
}

describe('guardrails', () => {
  let upstream: MockUpstream;
  let service: MockUpstream | undefined;
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    await upstream?.close();
    await service?.close();
    service = undefined;
  });

  async function anthropicGateway(rules: unknown, env: Record<string, string> = {}) {
    upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, anthropicMessage('Noted.')));
    gw = await startGateway({
      ANTHROPIC_API_KEY: 'sk-ant-guardrails',
      ANTHROPIC_BASE_URL: upstream.url,
      GUARDRAILS_FILE: rulesFile(rules),
      ...env,
    });
    return gw;
  }

  for (const [format, prompt] of Object.entries(PROMPTS)) {
    it(`${format}: each PII kind is redacted before the provider, the log store and the logs see it`, async () => {
      const gw = await anthropicGateway([{ type: 'pii' }], {
        LOG_PAYLOADS: 'true',
        ADMIN_API_KEYS: 'ops:sk-admin-guard-1',
      });
      const answer = await postJson(`${gw.url}${prompt.path}`, prompt.body, { 'x-request-id': `pii-${format}` });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-gateway-guardrails')).toBe('pii:redact');
      const sent = upstream.last.body;
      for (const value of VALUES) expect(sent).not.toContain(value);
      for (const placeholder of PLACEHOLDERS) expect(sent).toContain(placeholder);
      // the system prompt, the tool call and the tool result are still there, redacted
      expect(sent).toContain('Support agent. Escalate to [EMAIL].');
      expect(sent).toContain('Last login from [IP].');
      expect(sent).toContain('[IBAN]');

      let stored: any;
      for (let i = 0; i < 100 && !stored; i++) {
        const response = await fetch(`${gw.url}/v1/gateway/requests/pii-${format}`, {
          headers: { authorization: 'Bearer sk-admin-guard-1' },
        });
        if (response.status === 200) stored = ((await response.json()) as { data: any[] }).data[0];
        else await sleep(20);
      }
      expect(stored.requestBody).toContain('[CARD]');
      for (const value of VALUES) expect(stored.requestBody).not.toContain(value);
      const line = await waitForLog(gw, (l) => l.msg === 'request' && l.requestId === `pii-${format}`);
      expect(line.guardrails).toEqual(['pii:redact']);
      for (const value of VALUES) expect(JSON.stringify(gw.logs)).not.toContain(value);
    });
  }

  it('traces that record content get the redacted prompt and answer', async () => {
    const receiver = await new OtlpReceiver().start();
    upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion(`Mail ${PII.email[0]}`, 'gpt-4o')));
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-guardrails',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      GUARDRAILS_FILE: rulesFile([{ type: 'pii' }]),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
    });
    try {
      const answer = await postJson(`${gw.url}/v1/chat/completions`, {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: `My SSN is ${PII.ssn[0]}` }],
      });
      expect(answer.json.choices[0].message.content).toBe('Mail [EMAIL]');
      await gw.close(); // flushes the spans
      gw = undefined;
      const spans = JSON.stringify(receiver.spans);
      expect(spans).toContain('My SSN is [SSN]');
      expect(spans).toContain('Mail [EMAIL]');
      for (const value of VALUES) expect(spans).not.toContain(value);
    } finally {
      await receiver.close();
    }
  });

  it('a pass-through request without PII goes byte for byte', async () => {
    // (a rule that also reads answers makes every exchange a translated one: they are read in the IR)
    const gw = await anthropicGateway([{ type: 'pii', on: ['request'] }]);
    const body = '{"model":"claude-sonnet-4-5-20250929","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}';
    await postJson(`${gw.url}/v1/messages`, body);
    expect(upstream.last.body).toBe(body);
  });

  it('redacts PII in JSON answers, translated or in the client format', async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) =>
      req.url.startsWith('/v1/chat')
        ? json(res, 200, chatCompletion(`Write to ${PII.email[0]} or call ${PII.phone[0]}.`))
        : json(res, 200, anthropicMessage(`Write to ${PII.email[0]} or call ${PII.phone[0]}.`)),
    );
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-guardrails',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-guardrails',
      ANTHROPIC_BASE_URL: upstream.url,
      GUARDRAILS_FILE: rulesFile([{ type: 'pii', on: ['response'] }]),
    });
    const openai = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'contact?' }],
      metadata: { team: 'search' },
    });
    expect(openai.json.choices[0].message.content).toBe('Write to [EMAIL] or call [PHONE].');
    // read in the IR, but still the client's own format: nothing it tunes is dropped
    expect(upstream.last.json.metadata).toEqual({ team: 'search' });
    expect(openai.headers.get('x-gateway-dropped-params')).toBeNull();
    const anthropic = await postJson(
      `${gw.url}/v1/messages`,
      { model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'contact?' }] },
      { 'x-provider': 'anthropic' },
    );
    expect(anthropic.json.content[0].text).toBe('Write to [EMAIL] or call [PHONE].');
    // a response-only rule leaves the prompt alone
    expect(JSON.stringify(upstream.last.json.messages[0].content)).toContain('contact?');
  });

  it('redacts PII in streamed answers whose values are split across events', async () => {
    const text = `Reach me at ${PII.email[0]}, card ${PII.card[0]}, from ${PII.ip[0]} ok`;
    const deltas = text.match(/[\s\S]{1,3}/g) as string[];
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) =>
      req.url.startsWith('/v1/chat')
        ? streamEvents(res, chatCompletionChunks(deltas))
        : streamEvents(res, anthropicTextStream(deltas)),
    );
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-guardrails',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-guardrails',
      ANTHROPIC_BASE_URL: upstream.url,
      GUARDRAILS_FILE: rulesFile([{ type: 'pii' }]),
    });
    const expected = 'Reach me at [EMAIL], card [CARD], from [IP] ok';
    const openai = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'contact?' }] }),
    });
    const openaiText = await openai.text();
    for (const value of VALUES) expect(openaiText).not.toContain(value);
    const read = readOpenAIStream(openaiText);
    expect(read.done).toBe(true);
    expect(assembleOpenAI(read.chunks).content).toBe(expected);
    const anthropic = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-provider': 'anthropic' },
      body: JSON.stringify({ model: MODEL, max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const anthropicText = await anthropic.text();
    expect(assembleAnthropic(readAnthropicStream(anthropicText)).text).toBe(expected);
  });

  it("a deny rule blocks with 400 guardrail_blocked naming the rule, in the client's shape", async () => {
    const gw = await anthropicGateway([
      { type: 'deny', name: 'no-codenames', words: ['Project Falcon'], patterns: ['\\bAKIA[0-9A-Z]{16}\\b'] },
    ]);
    const openai = await postJson(`${gw.url}/v1/chat/completions`, {
      model: MODEL,
      messages: [{ role: 'user', content: 'Tell me about project falcon.' }],
    });
    expect(openai.status).toBe(400);
    expect(openai.json.error).toMatchObject({ code: 'guardrail_blocked', type: 'invalid_request_error' });
    expect(openai.json.error.message).toContain("'no-codenames'");
    expect(openai.text).not.toContain('falcon');
    const anthropic = await postJson(`${gw.url}/v1/messages`, {
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'key AKIAIOSFODNN7EXAMPLE' }],
    });
    expect(anthropic.status).toBe(400);
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(anthropic.json.error.message).toContain("'no-codenames'");
    const fine = await postJson(`${gw.url}/v1/messages`, {
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'Falcons are birds.' }],
    });
    expect(fine.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
  });

  it('a denied phrase in a streamed answer ends the stream with an error event before it is sent', async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (_req, res) =>
      streamEvents(res, chatCompletionChunks(['The code', 'name is Proj', 'ect Fal', 'con.'])),
    );
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-guardrails',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      GUARDRAILS_FILE: rulesFile([{ type: 'deny', name: 'codenames', words: ['project falcon'], on: ['response'] }]),
    });
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await response.text();
    expect(text).not.toContain('Proj');
    expect(text).toContain('guardrail_blocked');
    expect(text).not.toContain('[DONE]');
  });

  it('a denied phrase in a JSON answer is a 400, and does not count against the provider', async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion('The codename is Project Falcon.')));
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-guardrails',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      COOLDOWN_FAILURES: '1',
      GUARDRAILS_FILE: rulesFile([{ type: 'deny', name: 'codenames', words: ['project falcon'], on: ['response'] }]),
    });
    const answer = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ code: 'guardrail_blocked' });
    expect(answer.text).not.toContain('Falcon');
    const status = (await (await fetch(`${gw.url}/v1/gateway/status`)).json()) as { targets: { state: string }[] };
    expect(status.targets.map((t) => t.state)).toEqual(['healthy']);
  });

  it('pii with action block refuses; with action log lets it through and logs the kind only', async () => {
    let gw = await anthropicGateway([{ type: 'pii', kinds: ['ssn'], action: 'block' }]);
    const blocked = await postJson(`${gw.url}/v1/messages`, PROMPTS.anthropic.body);
    expect(blocked.status).toBe(400);
    expect(blocked.json.error.message).toBe("Blocked by guardrail 'pii': the text contains ssn data.");
    expect(upstream.received).toHaveLength(0);
    await gw.close();
    await upstream.close();
    gw = await anthropicGateway([{ type: 'pii', name: 'audit', action: 'log' }]);
    const logged = await postJson(`${gw.url}/v1/messages`, PROMPTS.anthropic.body);
    expect(logged.status).toBe(200);
    expect(upstream.last.body).toContain(PII.ssn[0]);
    const line = await waitForLog(gw, (l) => l.msg === 'guardrail found PII (logged, not changed)' && l.kind === 'ssn');
    expect(line.rule).toBe('audit');
    expect(JSON.stringify(gw.logs.filter((l) => l.level === 40 || l.level === 'warn'))).not.toContain(PII.ssn[0]);
  });

  it('max_input_tokens and allowed_models refuse by name', async () => {
    const gw = await anthropicGateway([
      { type: 'allowed_models', name: 'claude-only', models: ['claude-*'] },
      { type: 'max_input_tokens', max: 50 },
    ]);
    const wrongModel = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(wrongModel.status).toBe(400);
    expect(wrongModel.json.error.message).toBe(
      "Blocked by guardrail 'claude-only': the model 'gpt-4o' is not allowed.",
    );
    const tooLong = await postJson(`${gw.url}/v1/messages`, {
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'word '.repeat(100) }],
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.message).toMatch(/'max_input_tokens': the input is about 125 tokens, more than the 50/);
    const fine = await postJson(`${gw.url}/v1/messages`, {
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(fine.status).toBe(200);
  });

  it('rules with keys apply only to those gateway keys; YAML files are read too', async () => {
    await preloadYaml();
    upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, anthropicMessage('ok')));
    gw = await startGateway({
      ANTHROPIC_API_KEY: 'sk-ant-guardrails',
      ANTHROPIC_BASE_URL: upstream.url,
      GATEWAY_API_KEYS: 'alice:sk-gw-alice-777,bob:sk-gw-bob-888',
      GUARDRAILS_FILE: rulesFile('rules:\n  - type: pii\n    keys: [alice]\n', 'guardrails.yaml'),
    });
    const body = { model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: `mail ${PII.email[0]}` }] };
    await postJson(`${gw.url}/v1/messages`, body, { authorization: 'Bearer sk-gw-alice-777' });
    expect(upstream.last.json.messages[0].content).toEqual([{ type: 'text', text: 'mail [EMAIL]' }]);
    await postJson(`${gw.url}/v1/messages`, body, { authorization: 'Bearer sk-gw-bob-888' });
    expect(upstream.last.json.messages[0].content).toBe(`mail ${PII.email[0]}`);
  });

  it('refuses an invalid GUARDRAILS_FILE at start-up, naming the variable and the rule', async () => {
    await expect(
      startGateway({ OPENAI_API_KEY: 'sk-x-guard', GUARDRAILS_FILE: rulesFile([{ type: 'pii', action: 'shout' }]) }),
    ).rejects.toThrow(/GUARDRAILS_FILE: rules\.0\.action/);
    await expect(
      startGateway({ OPENAI_API_KEY: 'sk-x-guard', GUARDRAILS_FILE: rulesFile([{ type: 'deny', patterns: ['('] }]) }),
    ).rejects.toThrow(/GUARDRAILS_FILE: rules\.0\.patterns\.0: not a valid regular expression/);
    await expect(
      startGateway({ OPENAI_API_KEY: 'sk-x-guard', GUARDRAILS_FILE: '/nonexistent/g.json' }),
    ).rejects.toThrow(/GUARDRAILS_FILE: cannot read/);
  });

  describe('webhook rule', () => {
    async function withService(
      answer: (body: any) => unknown,
      rule: Record<string, unknown> = {},
      delayMs = 0,
    ): Promise<TestGateway> {
      service = await new MockUpstream().start();
      service.handle(async (req, res) => {
        if (delayMs) await sleep(delayMs);
        if (!res.destroyed) json(res, 200, answer(req.json));
      });
      return anthropicGateway([
        {
          type: 'webhook',
          name: 'moderation',
          url: `${service.url}/check`,
          headers: { authorization: 'Bearer svc-token-123456' },
          ...rule,
        },
      ]);
    }
    const body = {
      model: MODEL,
      max_tokens: 10,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Tell me a secret.' }],
    };

    it('allow: the request goes on unchanged; the service got the messages and its header', async () => {
      const gw = await withService(() => ({ action: 'allow' }));
      const answer = await postJson(`${gw.url}/v1/messages`, body);
      expect(answer.status).toBe(200);
      expect(service!.last.headers.authorization).toBe('Bearer svc-token-123456');
      expect(service!.last.json).toEqual({
        rule: 'moderation',
        key: '127.0.0.1',
        model: MODEL,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Tell me a secret.' },
        ],
      });
      expect(upstream.last.body).toBe(JSON.stringify(body));
    });

    it('block: 400 guardrail_blocked naming the rule', async () => {
      const gw = await withService(() => ({ action: 'block' }));
      const answer = await postJson(`${gw.url}/v1/chat/completions`, {
        model: MODEL,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(answer.status).toBe(400);
      expect(answer.json.error.code).toBe('guardrail_blocked');
      expect(answer.json.error.message).toContain("'moderation'");
      expect(upstream.received).toHaveLength(0);
    });

    it('rewrite: the provider gets the rewritten messages', async () => {
      const gw = await withService((sent) => ({
        action: 'rewrite',
        messages: sent.messages.map((m: any) => (m.role === 'user' ? { ...m, content: 'Tell me a joke.' } : m)),
      }));
      const answer = await postJson(`${gw.url}/v1/messages`, body);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-gateway-guardrails')).toBe('moderation:rewrite');
      expect(upstream.last.json.messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'Tell me a joke.' }] },
      ]);
      expect(upstream.last.json.system).toBe('Be brief.');
    });

    it('timing out fails open by default, and closed with on_error: block', async () => {
      let gw = await withService(() => ({ action: 'block' }), { timeout_ms: 100 }, 400);
      const started = performance.now();
      const open = await postJson(`${gw.url}/v1/messages`, body);
      expect(open.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(350);
      await waitForLog(gw, (l) => l.msg === 'guardrail webhook failed; the request goes on (fail-open)');
      await gw.close();
      await upstream.close();
      await service!.close();
      gw = await withService(() => ({ action: 'allow' }), { timeout_ms: 100, on_error: 'block' }, 400);
      const closed = await postJson(`${gw.url}/v1/messages`, body);
      expect(closed.status).toBe(503);
      expect(closed.json.error.message).toBe(
        "Guardrail 'moderation' could not check the request: no answer within 100 ms.",
      );
      expect(upstream.received).toHaveLength(0);
    });

    it('an answer that makes no sense is a failure too (fail-closed here)', async () => {
      const gw = await withService(() => ({ verdict: 'ok' }), { on_error: 'block' });
      const answer = await postJson(`${gw.url}/v1/messages`, body);
      expect(answer.status).toBe(503);
      expect(answer.json.error.message).toContain("no action 'allow', 'block' or 'rewrite'");
    });
  });
});
