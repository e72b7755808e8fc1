import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

const str = (value: string) => ({ type: 'string' as const, value });

/** One ConverseStream event as Bedrock frames it. */
export function eventFrame(eventType: string, payload: object): Uint8Array {
  const headers: MessageHeaders = {
    ':event-type': str(eventType),
    ':content-type': str('application/json'),
    ':message-type': str('event'),
  };
  return codec.encode({ headers, body: new TextEncoder().encode(JSON.stringify(payload)) });
}

/** One ConverseStream exception as Bedrock frames it. */
export function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  const headers: MessageHeaders = {
    ':exception-type': str(exceptionType),
    ':content-type': str('application/json'),
    ':message-type': str('exception'),
  };
  return codec.encode({ headers, body: new TextEncoder().encode(JSON.stringify({ message })) });
}

export const concat = (frames: readonly Uint8Array[]) => Buffer.concat(frames.map((f) => Buffer.from(f)));

/** A whole ConverseStream answer: text, then a tool call, with usage — shaped as in the ConverseStream reference. */
export function toolCallStreamFrames(): Uint8Array[] {
  return [
    eventFrame('messageStart', { role: 'assistant' }),
    eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Let me check ' }, p: 'abcdefghij' }),
    eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'the charts.' } }),
    eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
    eventFrame('contentBlockStart', {
      contentBlockIndex: 1,
      start: { toolUse: { toolUseId: 'tooluse_1', name: 'top_song' } },
    }),
    eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"sign":' } } }),
    eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"WZPZ"}' } } }),
    eventFrame('contentBlockStop', { contentBlockIndex: 1 }),
    eventFrame('messageStop', { stopReason: 'tool_use' }),
    eventFrame('metadata', {
      usage: { inputTokens: 10, outputTokens: 20, totalTokens: 530, cacheReadInputTokens: 500 },
      metrics: { latencyMs: 300 },
    }),
  ];
}
