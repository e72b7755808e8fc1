/** Ollama's error shape: `{"error":"…"}`, as a whole body and as the last line of an NDJSON stream. */
import type { GatewayError } from '../../errors.ts';

export const errorBody = (error: GatewayError): string => JSON.stringify({ error: error.message });

/** A stream broken off ends with one more line: the error, which the `ollama` client raises. */
export const streamErrorEvent = (error: GatewayError): string => `${errorBody(error)}\n`;
