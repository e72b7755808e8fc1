/** Tool calls gathered from stream events, for formats that send each call whole (Gemini, Ollama). */
import type { StreamEvent, ToolCallPart } from '../ir.ts';

type ToolCallEvent = Extract<StreamEvent, { type: 'tool-call-start' | 'tool-call-delta' | 'tool-call-end' }>;

export class WholeToolCalls {
  readonly #calls = new Map<number, ToolCallPart>();

  /** Takes one tool-call event; returns the call once its `tool-call-end` comes. */
  push(event: ToolCallEvent): ToolCallPart | undefined {
    if (event.type === 'tool-call-start') {
      this.#calls.set(event.index, { type: 'tool-call', id: event.id, name: event.name, arguments: '' });
      return undefined;
    }
    const call = this.#calls.get(event.index);
    if (event.type === 'tool-call-delta') {
      if (call) call.arguments += event.arguments;
      return undefined;
    }
    this.#calls.delete(event.index);
    return call;
  }
}
