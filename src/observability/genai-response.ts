import { isObject } from '../formats/sse.ts';

/** What a span records of a response: its id, model, finish reasons and text. */
export interface ResponseSummary {
  id?: string;
  model?: string;
  finishReasons: string[];
  text?: string;
}

/**
 * Reads the response the client got (OpenAI or Anthropic format, whole JSON or SSE) for the
 * GenAI attributes the usage parsers do not keep. Anything unexpected is simply not recorded.
 */
export function responseSummary(bytes: Buffer, clientFormat: string): ResponseSummary {
  const summary: ResponseSummary = { finishReasons: [] };
  const texts: string[] = [];
  const read = (value: unknown) => {
    if (!isObject(value)) return;
    if (clientFormat === 'anthropic') readAnthropic(value, summary, texts);
    else readOpenAI(value, summary, texts);
  };
  const text = bytes.toString('utf8');
  // A whole JSON answer, else server-sent events (the head, which says which, is already serialised).
  const whole = parse(text);
  if (whole !== undefined) read(whole);
  else
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data && data !== '[DONE]') read(parse(data));
    }
  if (texts.length) summary.text = texts.join('');
  return summary;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readOpenAI(value: Record<string, any>, summary: ResponseSummary, texts: string[]): void {
  if (typeof value.id === 'string') summary.id ??= value.id;
  if (typeof value.model === 'string') summary.model ??= value.model;
  if (!Array.isArray(value.choices)) return;
  for (const choice of value.choices) {
    if (!isObject(choice)) continue;
    if (typeof choice.finish_reason === 'string') summary.finishReasons.push(choice.finish_reason);
    const content = choice.message?.content ?? choice.delta?.content ?? choice.text;
    if (typeof content === 'string' && (choice.index ?? 0) === 0) texts.push(content);
  }
}

function readAnthropic(value: Record<string, any>, summary: ResponseSummary, texts: string[]): void {
  const message = value.type === 'message_start' && isObject(value.message) ? value.message : value;
  if (typeof message.id === 'string') summary.id ??= message.id;
  if (typeof message.model === 'string') summary.model ??= message.model;
  const stop = message.stop_reason ?? value.delta?.stop_reason;
  if (typeof stop === 'string') summary.finishReasons.push(stop);
  if (Array.isArray(message.content))
    for (const block of message.content)
      if (block?.type === 'text' && typeof block.text === 'string') texts.push(block.text);
  if (value.type === 'content_block_delta' && typeof value.delta?.text === 'string') texts.push(value.delta.text);
}

/**
 * Client messages in the conventions' shape (`gen_ai.input.messages`): role and parts, text as
 * `{type: 'text', content}`, other blocks by their type only.
 */
export function inputMessages(messages: unknown[]): unknown[] {
  return messages.filter(isObject).map((message) => {
    const content = message.content;
    const parts =
      typeof content === 'string'
        ? [{ type: 'text', content }]
        : Array.isArray(content)
          ? content
              .filter(isObject)
              .map((block) =>
                typeof block.text === 'string' ? { type: 'text', content: block.text } : { type: String(block.type) },
              )
          : [];
    return { role: message.role, parts };
  });
}
