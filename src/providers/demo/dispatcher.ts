/**
 * The demo's "network": an undici dispatcher that answers in-process, so its answers travel the
 * gateway's real relay, translation, usage and logging path, byte for byte as a provider's would.
 */
import { Dispatcher } from 'undici';
import { GatewayError, InvalidRequestError } from '../../errors.ts';
import { isObject } from '../../formats/common/json.ts';
import { openAIFormat } from '../../formats/openai/index.ts';
import { demoChatResponse, demoEmbeddings } from './answers.ts';
import { demoResponse, demoResponseEvents, words } from './responses.ts';

/** The models the demo lists; any other name is answered too. */
export const DEMO_MODELS = [
  { id: 'demo', mode: 'chat' },
  { id: 'demo-embedding', mode: 'embedding' },
] as const;

// The demo answers as an OpenAI-format provider would, with the gateway's own OpenAI encoders.
const { chat, embeddings } = openAIFormat.client;

type Answer = { status: number; json: unknown } | { status: number; events: string[] };

/** Between two events of a stream. */
const STREAM_GAP_MS = 10;

/** Every answer says where it came from, so nobody mistakes it for a model's. */
const DEMO_HEADERS = { 'x-gateway-demo': 'true' };

function answer(method: string, path: string, body: Buffer | undefined): Answer {
  const route = path.replace(/^\/v1/, '').replace(/\?.*$/, '');
  if (method === 'GET' && route === '/models')
    return {
      status: 200,
      json: { object: 'list', data: DEMO_MODELS.map((m) => ({ id: m.id, object: 'model', owned_by: 'switchyard' })) },
    };
  if (method !== 'POST') throw new GatewayError(404, 'not_found', `The demo provider has no ${method} ${route}.`);
  let json: unknown;
  try {
    json = JSON.parse(body?.toString('utf8') ?? '');
  } catch {
    throw new InvalidRequestError('invalid_json', 'The request body is not valid JSON.');
  }
  if (!isObject(json)) throw new InvalidRequestError('invalid_json', 'The request body must be a JSON object.');
  switch (route) {
    case '/chat/completions': {
      const request = chat.parseRequest(json);
      const response = demoChatResponse(request);
      if (!request.stream) return { status: 200, json: chat.encodeResponse(response) };
      const encoder = chat.streamEncoder(request);
      const text = response.content[0]?.type === 'text' ? response.content[0].text : '';
      const events = [
        encoder.encode({ type: 'start', id: response.id, model: response.model }),
        ...words(text).map((delta) => encoder.encode({ type: 'text-delta', text: delta })),
        encoder.encode({ type: 'finish', reason: response.finishReason }),
        encoder.encode({ type: 'usage', usage: response.usage ?? {} }),
        encoder.encode({ type: 'end' }),
      ];
      return { status: 200, events };
    }
    case '/embeddings': {
      const request = embeddings.parseRequest(json);
      return { status: 200, json: embeddings.encodeResponse(demoEmbeddings(request), request) };
    }
    case '/responses':
      return json.stream === true
        ? { status: 200, events: demoResponseEvents(json) }
        : { status: 200, json: demoResponse(json) };
    default:
      throw new GatewayError(404, 'not_found', `The demo provider has no POST ${route}.`);
  }
}

/** The handler's view of the exchange: it may abort it, or pause it while the client is slow to read. */
class Controller {
  aborted = false;
  paused = false;
  reason: Error | null = null;
  #resumed: (() => void) | undefined;
  abort(reason: Error) {
    this.aborted = true;
    this.reason = reason;
    this.resume();
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
    const resumed = this.#resumed;
    this.#resumed = undefined;
    resumed?.();
  }
  /** Runs `next` now, or once resumed. */
  whenResumed(next: () => void) {
    if (this.paused) this.#resumed = next;
    else next();
  }
}

export class DemoDispatcher extends Dispatcher {
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const controller = new Controller();
    // Answer on a later turn of the event loop, as a network would: the caller is still setting up.
    setImmediate(() => {
      handler.onRequestStart?.(controller, {});
      if (controller.aborted) return handler.onResponseError?.(controller, controller.reason as Error);
      let result: Answer;
      try {
        result = answer(options.method, options.path, toBuffer(options.body));
      } catch (error) {
        const gatewayError =
          error instanceof GatewayError ? error : new GatewayError(500, 'demo_error', (error as Error).message);
        result = { status: gatewayError.status, json: JSON.parse(openAIFormat.client.errorBody(gatewayError)) };
      }
      const isStream = 'events' in result;
      const chunks =
        'events' in result ? result.events.map((e) => Buffer.from(e)) : [Buffer.from(JSON.stringify(result.json))];
      const headers = {
        ...DEMO_HEADERS,
        'content-type': isStream ? 'text/event-stream; charset=utf-8' : 'application/json',
        ...(isStream ? {} : { 'content-length': String(chunks[0]?.length ?? 0) }),
      };
      handler.onResponseStart?.(controller, result.status, headers, 'OK');
      const send = (index: number): void => {
        if (controller.aborted) return void handler.onResponseError?.(controller, controller.reason as Error);
        if (index === chunks.length) return void handler.onResponseEnd?.(controller, {});
        handler.onResponseData?.(controller, chunks[index] as Buffer);
        // A word every few milliseconds, as a model streams (visible on a terminal); none while the client is behind.
        setTimeout(() => controller.whenResumed(() => send(index + 1)), isStream ? STREAM_GAP_MS : 0);
      };
      send(0);
    });
    return true;
  }

  override async close(): Promise<void> {}
  override async destroy(): Promise<void> {}
}

function toBuffer(body: Dispatcher.DispatchOptions['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new Error('the demo provider reads whole request bodies only');
}
