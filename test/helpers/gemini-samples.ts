/**
 * Samples for the Gemini tests, shaped after the Gemini API reference (GenerateContentResponse,
 * UsageMetadata, the function-calling guide's `get_current_temperature`) — written for these tests,
 * not copied from recordings.
 */
import type { ChatRequest } from '../../src/formats/ir.ts';

/** An IR request with the given fields over a one-message default. */
export function irRequest(fields: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'gemini-2.5-flash',
    system: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    stream: false,
    includeUsage: false,
    sourceFormat: 'openai',
    unmapped: {},
    ...fields,
  };
}

export const WEATHER_TOOL = {
  name: 'get_current_temperature',
  description: 'Gets the current temperature for a given location.',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string', description: 'The city name, e.g. San Francisco' } },
    required: ['location'],
    additionalProperties: false,
  },
};

/** A whole `generateContent` answer with text. */
export function textAnswer(text: string, extra: Record<string, unknown> = {}) {
  return {
    candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 12, totalTokenCount: 21 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'mAitaJ3GA5iVqtsP8bS-8Qc',
    ...extra,
  };
}

/** The SSE bytes of a Gemini stream: `data: <json>\r\n\r\n` per event, as `alt=sse` sends them. */
export function geminiSse(events: readonly unknown[]): string {
  return events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join('');
}

/** A streamed answer: text slices, then a last event with the finish reason and the usage. */
export function textStreamEvents(
  slices: readonly string[],
  finishReason = 'STOP',
  usage: Record<string, number> = { promptTokenCount: 9, candidatesTokenCount: 12, totalTokenCount: 21 },
) {
  return slices.map((text, i) => ({
    candidates: [
      { content: { parts: [{ text }], role: 'model' }, index: 0, ...(i === slices.length - 1 ? { finishReason } : {}) },
    ],
    ...(i === slices.length - 1 ? { usageMetadata: usage } : {}),
    modelVersion: 'gemini-2.5-flash',
    responseId: 'stream-1',
  }));
}
