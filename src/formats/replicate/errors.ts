/** Replicate's error answers (problem details) and the errors of predictions that did not succeed. */
import { GatewayError } from '../../errors.ts';
import { excerpt } from '../common/errors.ts';
import { asString, tryParseJsonObject } from '../common/json.ts';
import type { UpstreamErrorInfo } from '../types.ts';
import type { ReplicateErrorBody } from './wire.ts';

/** A prediction that ended in failure: the model's own error, relayed. */
export class PredictionFailedError extends GatewayError {
  constructor(id: string, detail: string) {
    super(502, 'prediction_failed', `Replicate prediction ${id} failed: ${detail}`, 'upstream_error');
  }
}

export class PredictionCanceledError extends GatewayError {
  constructor(id: string) {
    super(502, 'prediction_canceled', `Replicate prediction ${id} was canceled before it finished.`, 'upstream_error');
  }
}

/** `Prefer: wait` gave up (Replicate holds a request for 60 s at most) while the prediction ran on. */
export class PredictionUnfinishedError extends GatewayError {
  constructor(id: string, status: string) {
    super(
      504,
      'prediction_unfinished',
      `Replicate prediction ${id} was still ${status} when Replicate stopped waiting for it.`,
      'upstream_error',
    );
  }
}

/** Replicate's error bodies are problem details: `{"title", "detail", "status"}` (or just `detail`). */
export function errorOf(status: number, body: Buffer): UpstreamErrorInfo {
  const parsed = tryParseJsonObject(body);
  const field = (name: keyof ReplicateErrorBody) => parsed?.[name];
  const detail = field('detail');
  const message =
    (typeof detail === 'string' ? detail : detail !== undefined ? JSON.stringify(detail) : undefined) ??
    (excerpt(body) || `HTTP ${status}`);
  const title = asString(field('title'));
  return { message, ...(title ? { code: title } : {}) };
}
