import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the mock provider received it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, exactly as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: any;
}

export type MockHandler = (req: ReceivedRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

/**
 * A stand-in provider on 127.0.0.1 that records what it receives and answers with whatever the
 * test scripts. Also tracks its sockets, so a test can see when the gateway closes a connection.
 */
export class MockUpstream {
  readonly received: ReceivedRequest[] = [];
  readonly sockets = new Set<Socket>();
  #handler: MockHandler = (_req, res) => json(res, 200, { ok: true });
  readonly #server: Server;
  port = 0;

  constructor() {
    this.#server = createServer(async (raw, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of raw) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown;
      try {
        parsed = body ? JSON.parse(body) : undefined;
      } catch {
        parsed = undefined;
      }
      const request: ReceivedRequest = {
        method: raw.method ?? '',
        url: raw.url ?? '',
        headers: raw.headers,
        body,
        json: parsed,
      };
      this.received.push(request);
      await this.#handler(request, res, raw);
    });
    this.#server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Scripts the responses to come. */
  handle(handler: MockHandler): this {
    this.#handler = handler;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get last(): ReceivedRequest {
    const last = this.received.at(-1);
    if (!last) throw new Error('the mock upstream received no request');
    return last;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A chat.completion body as OpenAI's API reference shows it. */
export function chatCompletion(content: string, model = 'gpt-4o-mini') {
  return {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion',
    created: 1741569952,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 19,
      completion_tokens: 10,
      total_tokens: 29,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_06737a9306',
  };
}

/** The SSE events of a streamed chat completion whose text deltas are `parts`. */
export function chatCompletionChunks(parts: readonly string[], model = 'gpt-4o-mini'): string[] {
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-123',
      object: 'chat.completion.chunk',
      created: 1694268190,
      model,
      system_fingerprint: 'fp_44709d6fcb',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })}\n\n`;
  return [
    chunk({ role: 'assistant', content: '' }, null),
    ...parts.map((p) => chunk({ content: p }, null)),
    chunk({}, 'stop'),
    'data: [DONE]\n\n',
  ];
}

/** Streams `events` as SSE, waiting `intervalMs` between writes. */
export async function streamEvents(res: ServerResponse, events: readonly string[], intervalMs = 0): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of events) {
    if (res.destroyed) return;
    res.write(event);
    if (intervalMs) await sleep(intervalMs);
  }
  res.end();
}
