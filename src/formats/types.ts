import type { TokenUsage } from '../catalog/types.ts';
import type { GatewayError } from '../errors.ts';

/** The usage of a whole (non-streamed) answer and the model the provider says answered. */
export interface AnswerUsage {
  usage: TokenUsage;
  model: string | undefined;
}

/** Reads usage from a stream as whole SSE events pass by; may drop events (returns the bytes to send). */
export interface StreamUsage {
  readonly usage: TokenUsage | undefined;
  readonly model: string | undefined;
  events(bytes: Buffer): Buffer;
}

/**
 * What the gateway needs to know of one wire format to serve its clients and read its providers'
 * answers without translating them: its error shape, and where usage hides in its answers.
 */
export interface WireFormatCodec {
  /** A complete error response body in this format's shape. */
  errorBody(error: GatewayError): string;
  /** One SSE event reporting an error mid-stream, in this format's shape. */
  sseErrorEvent(error: GatewayError): string;
  usageOfAnswer(body: Buffer): AnswerUsage | undefined;
  /** `gatewayAskedForUsage`: the gateway added a usage request the client did not make; undo its visible effect. */
  streamUsage(gatewayAskedForUsage: boolean): StreamUsage;
}
