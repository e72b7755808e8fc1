import { asArray, asRecord, asString, isObject, type Json } from '../formats/common/json.ts';

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

function readOpenAI(value: Json, summary: ResponseSummary, texts: string[]): void {
  summary.id ??= asString(value.id);
  summary.model ??= asString(value.model);
  for (const item of asArray(value.choices)) {
    const choice = asRecord(item);
    const reason = asString(choice.finish_reason);
    if (reason) summary.finishReasons.push(reason);
    const content =
      asString(asRecord(choice.message).content) ?? asString(asRecord(choice.delta).content) ?? asString(choice.text);
    if (content !== undefined && (choice.index ?? 0) === 0) texts.push(content);
  }
}

function readAnthropic(value: Json, summary: ResponseSummary, texts: string[]): void {
  const message = value.type === 'message_start' ? asRecord(value.message) : value;
  summary.id ??= asString(message.id);
  summary.model ??= asString(message.model);
  const delta = asRecord(value.delta);
  const stop = asString(message.stop_reason) ?? asString(delta.stop_reason);
  if (stop) summary.finishReasons.push(stop);
  for (const item of asArray(message.content)) {
    const block = asRecord(item);
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
  }
  if (value.type === 'content_block_delta' && typeof delta.text === 'string') texts.push(delta.text);
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
