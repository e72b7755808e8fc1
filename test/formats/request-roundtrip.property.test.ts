import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildRequest as buildAnthropicRequest,
  parseRequest as parseAnthropicRequest,
} from '../../src/formats/anthropic/request.ts';
import {
  buildRequest as buildOpenAIRequest,
  parseRequest as parseOpenAIRequest,
} from '../../src/formats/openai/request.ts';

/**
 * Random valid OpenAI chat requests → Anthropic requests → back to OpenAI: the Anthropic request is
 * valid (strict alternation, tool results answering the calls just before, first in their turn),
 * and no message text or tool call is lost on the way.
 */

const text = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== '');
const json = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean()),
  { maxKeys: 3 },
);

type OpenAIMessage = Record<string, any>;

/** One exchange: a user turn, then either a plain answer or tool calls with their results. */
const exchange = fc.record({
  user: fc.array(
    fc.oneof(
      text.map((t) => ({ type: 'text', text: t })),
      fc.constant({ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }),
    ),
    { minLength: 1, maxLength: 3 },
  ),
  userAsString: fc.boolean(),
  answer: fc.option(text),
  calls: fc.array(fc.record({ name: fc.constantFrom('get_weather', 'search', 'add'), args: json, result: text }), {
    maxLength: 3,
  }),
});

const requests = fc
  .record({
    system: fc.array(text, { maxLength: 2 }),
    exchanges: fc.array(exchange, { minLength: 1, maxLength: 4 }),
    idSeed: fc.nat(),
  })
  .map(({ system, exchanges, idSeed }) => {
    const messages: OpenAIMessage[] = system.map((content, i) => ({ role: i === 0 ? 'system' : 'developer', content }));
    let next = idSeed;
    for (const turn of exchanges) {
      const onlyText = turn.user.every((p) => p.type === 'text');
      messages.push({
        role: 'user',
        content:
          turn.userAsString && onlyText ? turn.user.map((p) => (p as { text: string }).text).join(' ') : turn.user,
      });
      const calls = turn.calls.map((c) => ({ ...c, id: `call_${next++}` }));
      if (turn.answer === null && calls.length === 0) continue;
      messages.push({
        role: 'assistant',
        content: turn.answer,
        ...(calls.length
          ? {
              tool_calls: calls.map((c) => ({
                id: c.id,
                type: 'function',
                function: { name: c.name, arguments: JSON.stringify(c.args) },
              })),
            }
          : {}),
      });
      for (const call of calls) messages.push({ role: 'tool', tool_call_id: call.id, content: call.result });
    }
    return { model: 'gpt-4o', messages };
  });

/** Text by role, adjacent turns of one role joined: what any faithful translation keeps. */
function textsOf(messages: OpenAIMessage[]): { role: string; text: string }[] {
  const out: { role: string; text: string }[] = [];
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'developer' || m.role === 'tool') continue;
    const parts =
      typeof m.content === 'string'
        ? [m.content]
        : Array.isArray(m.content)
          ? m.content.filter((p: any) => p.type === 'text').map((p: any) => p.text)
          : [];
    for (const part of parts.filter((p: string) => p !== '')) {
      const last = out.at(-1);
      if (last && last.role === m.role) last.text += `\n\n${part}`;
      else out.push({ role: m.role, text: part });
    }
  }
  return out;
}

const toolCallsOf = (messages: OpenAIMessage[]) =>
  messages.flatMap((m) =>
    (m.tool_calls ?? []).map((c: any) => ({ id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments) })),
  );
const toolResultsOf = (messages: OpenAIMessage[]) =>
  messages.filter((m) => m.role === 'tool').map((m) => ({ id: m.tool_call_id, content: m.content }));
const imagesOf = (messages: OpenAIMessage[]) =>
  messages.flatMap((m) =>
    Array.isArray(m.content)
      ? m.content.filter((p: any) => p.type === 'image_url').map((p: any) => p.image_url.url)
      : [],
  );

function assertValidAnthropic(body: Record<string, any>): void {
  const messages = body.messages as { role: string; content: any[] }[];
  expect(messages[0]?.role).toBe('user');
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    expect(message.content.length).toBeGreaterThan(0);
    if (i > 0) expect(message.role).not.toBe(messages[i - 1]!.role);
    for (const block of message.content) if (block.type === 'text') expect(block.text).not.toBe('');
    const results = message.content.filter((b) => b.type === 'tool_result');
    if (results.length) {
      // Tool results come first in their turn and answer exactly the calls of the turn before.
      expect(message.content.slice(0, results.length).every((b) => b.type === 'tool_result')).toBe(true);
      const calls = messages[i - 1]!.content.filter((b) => b.type === 'tool_use').map((b) => b.id);
      expect(results.map((b) => b.tool_use_id).sort()).toEqual([...calls].sort());
    }
  }
}

describe('OpenAI → Anthropic → OpenAI request round trip (property)', () => {
  it('keeps every message text, tool call and tool result, and produces valid Anthropic requests', () => {
    fc.assert(
      fc.property(requests, (original) => {
        const anthropic = buildAnthropicRequest(parseOpenAIRequest(original), 'claude-sonnet-4-5').body;
        assertValidAnthropic(anthropic);
        const back = buildOpenAIRequest(parseAnthropicRequest(anthropic), 'gpt-4o').body as {
          messages: OpenAIMessage[];
        };

        const systemIn = original.messages
          .filter((m) => m.role === 'system' || m.role === 'developer')
          .map((m) => m.content);
        const systemOut = back.messages.filter((m) => m.role === 'system').map((m) => m.content);
        expect(systemOut).toEqual(systemIn.length ? [systemIn.join('\n\n')] : []);
        expect(textsOf(back.messages)).toEqual(textsOf(original.messages));
        expect(toolCallsOf(back.messages)).toEqual(toolCallsOf(original.messages));
        expect(toolResultsOf(back.messages)).toEqual(toolResultsOf(original.messages));
        expect(imagesOf(back.messages)).toEqual(imagesOf(original.messages));
      }),
      { numRuns: 300, seed: 20261122 },
    );
  });
});
