import type { ServerResponse } from 'node:http';
import { type MockHandler, MockUpstream } from './mock-upstream.ts';

/**
 * A misbehaving provider: each request it receives gets the next behaviour the test scripted
 * (the last one repeats). Built on MockUpstream, so what it received and its open sockets are
 * there to assert on.
 */
export class ScriptedProvider extends MockUpstream {
  #script: MockHandler[] = [];

  constructor() {
    super();
    this.handle(async (req, res, raw) => {
      const behaviour = this.#script.length > 1 ? this.#script.shift() : this.#script[0];
      if (!behaviour) throw new Error('the scripted provider has no behaviour for this request');
      await behaviour(req, res, raw);
    });
  }

  /** The behaviours of the next requests, in order. */
  script(...behaviours: MockHandler[]): this {
    this.#script = behaviours;
    return this;
  }
}

/** Misbehaviours, each one request's worth. */
export const behave = {
  /** Closes the connection before any response byte. */
  resetBeforeHeaders: (): MockHandler => (_req, res) => void res.socket?.destroy(),
  /** Sends the status line and `body` bytes, then resets the connection. */
  resetAfter:
    (status: number, headers: Record<string, string>, body: string): MockHandler =>
    (_req, res) => {
      res.writeHead(status, headers);
      res.write(body);
      setTimeout(() => res.socket?.destroy(), 20);
    },
  /** Never answers (the socket stays open until the gateway gives up). */
  silent: (): MockHandler => () => new Promise<void>(() => {}),
  /** Answers 200 headers, then never sends the body. */
  stallAfterHeaders:
    (contentType = 'application/json'): MockHandler =>
    (_req, res) => {
      res.writeHead(200, { 'content-type': contentType });
      res.flushHeaders();
      return new Promise<void>(() => {});
    },
  /** Sends `body` as is, with these headers. */
  raw:
    (status: number, headers: Record<string, string>, body: string | Buffer): MockHandler =>
    (_req, res: ServerResponse) => {
      res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  /** Streams `parts` with `intervalMs` between them and ends the body. */
  stream:
    (parts: readonly (string | Buffer)[], intervalMs = 0, contentType = 'text/event-stream'): MockHandler =>
    async (_req, res) => {
      res.writeHead(200, { 'content-type': contentType });
      for (const part of parts) {
        if (res.destroyed) return;
        res.write(part);
        if (intervalMs) await new Promise((r) => setTimeout(r, intervalMs));
      }
      res.end();
    },
};
