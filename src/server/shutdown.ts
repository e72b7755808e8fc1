import type { ServerResponse } from 'node:http';
import { GatewayError } from '../errors.ts';
import { CLIENT_FORMATS } from '../formats/index.ts';
import type { RequestContext } from './context.ts';
import { sendError } from './error-response.ts';

/** Why a response is cut at shutdown: the client may retry elsewhere (503). */
const SHUTTING_DOWN = () =>
  new GatewayError(
    503,
    'gateway_shutting_down',
    'The gateway is shutting down (SHUTDOWN_TIMEOUT_MS reached); retry the request.',
    'api_error',
  );

/**
 * At SHUTDOWN_TIMEOUT_MS, ends what is still open so that no client mistakes a cut for an answer:
 * a request still waiting for its provider gets a 503 in its client's error shape; a stream gets
 * an error event in its client's format and a clean end of its chunked body. (Any other body that
 * has started cannot say it is incomplete: its connection is closed, which the client sees.)
 */
export function endOpenResponses(open: Iterable<{ res: ServerResponse; ctx: RequestContext }>): void {
  for (const { res, ctx } of open) {
    if (res.writableEnded || res.destroyed) continue;
    const error = SHUTTING_DOWN();
    ctx.error = error;
    if (!res.headersSent) {
      sendError(res, error, ctx.id, ctx.clientFormat, { ...ctx.responseHeaders, connection: 'close' });
      continue;
    }
    // A streamed request's 2xx is an event stream (the relays see to it).
    if (ctx.stream && res.statusCode < 300) {
      res.end(CLIENT_FORMATS[ctx.clientFormat].streamErrorEvent(error));
    } else res.destroy();
  }
}
