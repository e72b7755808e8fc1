import type { AssistantPart, ChatResponse, FinishReason, StreamEvent, TokenUsage } from '../formats/ir.ts';

/**
 * A whole answer as the stream events a provider would have sent for it, in the order the
 * decoders produce them (start, content, finish, usage, end): a cached answer replayed to a
 * client that asked for a stream goes through the client's own stream encoder.
 */
export function eventsOf(response: ChatResponse): StreamEvent[] {
  const events: StreamEvent[] = [{ type: 'start', id: response.id, model: response.model }];
  let call = 0;
  for (const part of response.content) {
    if (part.type === 'text') events.push({ type: 'text-delta', text: part.text });
    else if (part.type === 'reasoning') {
      if (part.text) events.push({ type: 'reasoning-delta', text: part.text });
      if (part.signature) events.push({ type: 'reasoning-signature', signature: part.signature });
    } else {
      const index = call++;
      events.push({ type: 'tool-call-start', index, id: part.id, name: part.name });
      if (part.arguments) events.push({ type: 'tool-call-delta', index, arguments: part.arguments });
      events.push({ type: 'tool-call-end', index });
    }
  }
  events.push({
    type: 'finish',
    reason: response.finishReason,
    ...(response.stopSequence ? { stopSequence: response.stopSequence } : {}),
  });
  if (response.usage) events.push({ type: 'usage', usage: response.usage });
  events.push({ type: 'end' });
  return events;
}

/**
 * Stream events back into one whole answer, or undefined when the stream is not complete (no
 * finish and end, or an error): only complete answers are cached.
 */
export function responseOf(events: readonly StreamEvent[]): ChatResponse | undefined {
  let id = '';
  let model = '';
  let finishReason: FinishReason | undefined;
  let stopSequence: string | undefined;
  let usage: TokenUsage | undefined;
  let ended = false;
  const content: AssistantPart[] = [];
  const calls = new Map<number, Extract<AssistantPart, { type: 'tool-call' }>>();
  const last = () => content.at(-1);
  for (const event of events) {
    switch (event.type) {
      case 'start':
        id ||= event.id;
        model ||= event.model;
        break;
      case 'text-delta': {
        const part = last();
        if (part?.type === 'text') part.text += event.text;
        else content.push({ type: 'text', text: event.text });
        break;
      }
      case 'reasoning-delta': {
        const part = last();
        if (part?.type === 'reasoning' && part.signature === undefined) part.text += event.text;
        else content.push({ type: 'reasoning', text: event.text });
        break;
      }
      case 'reasoning-signature': {
        const part = last();
        if (part?.type === 'reasoning') part.signature = event.signature;
        else content.push({ type: 'reasoning', text: '', signature: event.signature });
        break;
      }
      case 'tool-call-start': {
        const part = { type: 'tool-call' as const, id: event.id, name: event.name, arguments: '' };
        calls.set(event.index, part);
        content.push(part);
        break;
      }
      case 'tool-call-delta': {
        const part = calls.get(event.index);
        if (part) part.arguments += event.arguments;
        break;
      }
      case 'finish':
        finishReason = event.reason;
        stopSequence = event.stopSequence;
        break;
      case 'usage':
        usage = { inputTokens: 0, outputTokens: 0, ...usage, ...event.usage };
        break;
      case 'error':
        return undefined;
      case 'end':
        ended = true;
        break;
    }
  }
  if (!ended || finishReason === undefined || finishReason === 'error') return undefined;
  return { id, model, content, finishReason, ...(stopSequence ? { stopSequence } : {}), usage };
}
