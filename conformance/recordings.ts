import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type OpenAI from 'openai';

/** Real provider responses captured from their APIs; present beside the repository, never in it. */
/** `RECORDED_DIR` overrides where they are (a worktree sits elsewhere than the main checkout). */
const RECORDED_DIR = process.env.RECORDED_DIR ?? resolve(import.meta.dirname, '../../shared/fixtures/recorded');
export const haveRecordings = existsSync(RECORDED_DIR);

export interface Recording {
  /** Folder (provider) and file name, for test titles. */
  name: string;
  folder: string;
  /** `sse`: a stream recorded with its transport framing (`*.sse`), replayed as it is. */
  kind: 'json' | 'chunks' | 'sse';
  text: string;
}

/** Every recording in the given folders whose first object matches `accept`. */
export function recordings(folders: readonly string[], accept: (first: any) => boolean): Recording[] {
  if (!haveRecordings) return [];
  const found: Recording[] = [];
  for (const folder of folders) {
    const dir = join(RECORDED_DIR, folder);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      const kind = file.endsWith('.chunks.txt') ? 'chunks' : file.endsWith('.json') ? 'json' : undefined;
      if (!kind) continue;
      const text = readFileSync(join(dir, file), 'utf8');
      let first: unknown;
      try {
        first = JSON.parse(kind === 'json' ? text : (text.split('\n')[0] ?? ''));
      } catch {
        continue;
      }
      if (accept(first)) found.push({ name: `${folder}/${file}`, folder, kind, text });
    }
  }
  return found;
}

/** Re-frames a `.chunks.txt` recording of an OpenAI-style stream as the SSE bytes the provider sent. */
export function openAISseFrames(text: string): string[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return [...lines.map((line) => `data: ${line}\n\n`), 'data: [DONE]\n\n'];
}

/** Every `*.sse` recording (a stream kept with its framing) in the given folders. */
export function sseRecordings(folders: readonly string[]): Recording[] {
  if (!haveRecordings) return [];
  const found: Recording[] = [];
  for (const folder of folders) {
    const dir = join(RECORDED_DIR, folder);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      if (file.endsWith('.sse'))
        found.push({ name: `${folder}/${file}`, folder, kind: 'sse', text: readFileSync(join(dir, file), 'utf8') });
    }
  }
  return found;
}

/** The SSE events of a framed recording, each with its trailing blank line. */
export function sseEvents(text: string): string[] {
  return text
    .split(/\n\n/)
    .filter((event) => event.trim() !== '')
    .map((event) => `${event}\n\n`);
}

/** The JSON payloads of a stream recording: one per line (`chunks`), or the `data:` lines of a framed one (`sse`). */
export function streamPayloads(recording: Recording): any[] {
  const lines =
    recording.kind === 'sse'
      ? recording.text
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .filter((data) => data !== '[DONE]')
      : recording.text.split('\n').filter((line) => line.trim() !== '');
  return lines.map((line) => JSON.parse(line));
}

/** Re-frames a `.chunks.txt` recording of an Anthropic Messages stream: `event: <type>` then `data: <line>`. */
export function anthropicSseFrames(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);
}

/**
 * Some Anthropic recordings hold several responses of a multi-step exchange one after the other
 * (each `message_start` … `message_stop`): split them into the single responses they were.
 */
export function anthropicResponses(text: string): string[] {
  const responses: string[] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    current.push(line);
    if ((JSON.parse(line) as { type: string }).type === 'message_stop') {
      responses.push(current.join('\n'));
      current = [];
    }
  }
  if (current.length) responses.push(current.join('\n'));
  return responses;
}

/**
 * What the official OpenAI SDK assembles from a chat completion, whole or streamed: the text, the
 * finish reason and the tool calls (name and concatenated arguments), in order.
 */
export async function readOpenAIAnswer(
  client: OpenAI,
  request: { model: string; messages: { role: 'user'; content: string }[] },
  stream: boolean,
): Promise<{ text: string; finish: string | null | undefined; calls: { name: string; args: string }[] }> {
  let text = '';
  let finish: string | null | undefined;
  const calls = new Map<number, { name: string; args: string }>();
  if (!stream) {
    const data = await client.chat.completions.create(request);
    text = data.choices[0]?.message.content ?? '';
    finish = data.choices[0]?.finish_reason;
    for (const [index, call] of (data.choices[0]?.message.tool_calls ?? []).entries()) {
      if (call.type === 'function') calls.set(index, { name: call.function.name, args: call.function.arguments });
    }
  } else {
    for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      for (const delta of chunk.choices[0]?.delta?.tool_calls ?? []) {
        const call = calls.get(delta.index) ?? { name: '', args: '' };
        call.name ||= delta.function?.name ?? '';
        call.args += delta.function?.arguments ?? '';
        calls.set(delta.index, call);
      }
    }
  }
  return { text, finish, calls: [...calls.values()] };
}

/**
 * The Responses API streams a `.chunks.txt` recording holds (one payload a line; several
 * responses of a multi-step exchange follow each other), each framed as OpenAI sends it:
 * `event: <type>` then `data: <line>`.
 */
export function responsesStreams(text: string): string[][] {
  const streams: string[][] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const { type } = JSON.parse(line) as { type: string };
    current.push(`event: ${type}\ndata: ${line}\n\n`);
    if (type === 'response.completed' || type === 'response.failed' || type === 'response.incomplete') {
      streams.push(current);
      current = [];
    }
  }
  if (current.length) streams.push(current);
  return streams;
}

/** What the recording says the client should read, worked out from Google's own fields. */
export function geminiExpectations(recording: Recording) {
  const events: any[] =
    recording.kind === 'json'
      ? [JSON.parse(recording.text)]
      : recording.text
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l));
  const parts = events.flatMap((event) => event.candidates?.[0]?.content?.parts ?? []);
  const text = parts
    .filter((p: any) => typeof p.text === 'string' && !p.thought)
    .map((p: any) => p.text)
    .join('');
  const calls = parts
    .filter((p: any) => p.functionCall)
    .map((p: any) => [p.functionCall.name, p.functionCall.args ?? {}]);
  const finishReason = events
    .map((event) => event.candidates?.[0]?.finishReason)
    .filter(Boolean)
    .at(-1);
  const usage = events
    .map((event) => event.usageMetadata)
    .filter(Boolean)
    .at(-1);
  return { text, calls, finishReason, usage };
}
