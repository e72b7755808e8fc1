import { randomFillSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TokenUsage } from '../catalog/types.ts';
import type { GatewayError } from '../errors.ts';
import type { ClientFormat } from '../formats/index.ts';
import type { KeyPolicy } from '../limits/gateway-keys.ts';
import type { Metered } from '../limits/metering.ts';
import type { RequestTrace } from '../observability/tracing.ts';

/** One attempt at a provider: its outcome (a status, or the gateway's error code) and duration. */
export interface Attempt {
  provider: string;
  model: string | undefined;
  outcome: string;
  ms: number;
}

/** What the gateway learns about one request as it handles it; it becomes the request's log line. */
export interface RequestContext {
  readonly id: string;
  readonly startedAt: number;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Query string including its `?`, or empty. */
  readonly search: string;
  /** The wire format the client speaks, by route: it decides the shape of errors. */
  clientFormat: ClientFormat;
  /** The gateway key's name (or the client's address when keys are off): whom limits count against. */
  subject?: string;
  /** Who the request is for and which conversation it belongs to (observability/attribution.ts). */
  user?: string;
  session?: string;
  /** The request header that carried the gateway key (never forwarded, even in pass-through mode). */
  gatewayKeyHeader?: string;
  /** The gateway key's policy, when keys are on. */
  key?: KeyPolicy;
  /** Whether the key's allow-lists admit a target; absent: any target. */
  allowTarget?: (provider: string, model: string | undefined) => boolean;
  /** The request's reservation against the limits, settled when it is over. */
  metered?: Metered;
  /** Headers the gateway adds to whatever response this request gets (rate-limit state, CORS). */
  responseHeaders?: Record<string, string>;
  provider?: string;
  model?: string;
  selectedBy?: string;
  stream: boolean;
  bytesIn: number;
  bytesOut: number;
  firstByteAt?: number;
  error?: GatewayError;
  usage?: TokenUsage;
  /** Every attempt at a provider, with its outcome (fallbacks and retries). */
  attempts?: Attempt[];
  /** Client parameters the attempt that answered went without (x-gateway-dropped-params). */
  droppedParams?: string[];
  /** USD by catalog prices; null when the model has no price. */
  costUsd?: number | null;
  /** Request and response bodies, kept only with LOG_PAYLOADS=true (already scrubbed of keys). */
  payloads?: { request?: string; response?: string };
  /** What the response cache did with the request (x-gateway-cache), when it is on. */
  cache?: 'hit' | 'miss' | 'bypass';
  /** Guardrail rules that acted on the request or its answer, as `name:action` (never the matched text). */
  guardrails?: string[];
  /** The request's spans, when tracing is on. */
  trace?: RequestTrace;
}

const MAX_CLIENT_REQUEST_ID = 200;

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const VARIANT = Buffer.from('89ab', 'latin1');
/** Random bytes drawn 10 at a time, refilled when used up (as crypto.randomUUID's own cache does). */
const random = Buffer.alloc(10 * 512);
let drawn = random.length;
/** The id's characters, written in place and read out as one string. */
const id = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');
/** Where the 18 random hex digits go, around the dashes, the version and the variant. */
const RANDOM_AT = [15, 16, 17, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];

/**
 * A UUIDv7 (RFC 9562): the millisecond time first, then random bits. Time-ordered ids keep the
 * request log's request_id index append-only; random v4 ids scattered every insert across the
 * B-tree, which doubled the store's insert cost (measured: 28 to 14 µs a row). Written digit by
 * digit into a buffer: building it from randomUUID's string and slices left 1 KB of garbage.
 */
function timeOrderedId(): string {
  if (drawn === random.length) {
    randomFillSync(random);
    drawn = 0;
  }
  let time = Date.now();
  for (let digit = 11; digit >= 0; digit--) {
    id[digit < 8 ? digit : digit + 1] = HEX[time % 16] as number;
    time = Math.floor(time / 16);
  }
  for (let i = 0; i < 9; i++) {
    const byte = random[drawn + i] as number;
    id[RANDOM_AT[2 * i] as number] = HEX[byte >> 4] as number;
    id[RANDOM_AT[2 * i + 1] as number] = HEX[byte & 15] as number;
  }
  // Two more random bits: the variant digit is 8, 9, a or b.
  id[19] = VARIANT[(random[drawn + 9] as number) & 3] as number;
  drawn += 10;
  return id.toString('latin1');
}

export function createContext(req: IncomingMessage): RequestContext {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const clientId = req.headers['x-request-id'];
  // A client's id is echoed only when it is a sane token: it ends up in headers and logs.
  const id =
    typeof clientId === 'string' && clientId.length <= MAX_CLIENT_REQUEST_ID && /^[\w.:@-]+$/.test(clientId)
      ? clientId
      : timeOrderedId();
  return {
    id,
    startedAt: performance.now(),
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    search: q < 0 ? '' : url.slice(q),
    clientFormat: 'openai',
    stream: false,
    bytesIn: 0,
    bytesOut: 0,
  };
}
