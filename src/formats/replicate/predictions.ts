/**
 * What chat and images share on Replicate: where a model's predictions are created, how a
 * finished prediction reads, and the errors of predictions that did not succeed. Facts from
 * Replicate's HTTP API reference: `POST /models/{owner}/{name}/predictions` (official models) or
 * `POST /predictions` with a `version` (`owner/name:version`); `Prefer: wait` holds the answer
 * until the prediction finishes (up to 60 s); a prediction's `status` is starting, processing,
 * succeeded, failed or canceled; error bodies are problem details (`title`, `detail`).
 */

import { InvalidRequestError } from '../../errors.ts';
import { asArray, asNumber, asRecord, asString, type Json, parseJsonResponse } from '../common/json.ts';
import { PredictionCanceledError, PredictionFailedError, PredictionUnfinishedError } from './errors.ts';

export const REPLICATE = 'Replicate (predictions API)';

/**
 * Where to create a prediction of `model`, and the body fields that name it. `owner/name` runs the
 * model's current version; `owner/name:version` (or a bare version id) pins a version.
 */
export function predictionTarget(model: string | undefined): { path: string; body: Json } {
  if (!model)
    throw new InvalidRequestError(
      'model_required',
      'Replicate needs a model, as owner/name or owner/name:version.',
      'model',
    );
  if (model.includes(':') || !model.includes('/')) {
    if (!model.includes(':') && !/^[0-9a-f]{64}$/.test(model)) {
      throw new InvalidRequestError(
        'invalid_model',
        `Replicate models are named owner/name (or owner/name:version), not '${model}'.`,
        'model',
      );
    }
    return { path: '/predictions', body: { version: model } };
  }
  const [owner, name] = model.split('/', 2) as [string, string];
  return { path: `/models/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/predictions`, body: {} };
}

/** Holds the create request until the prediction is done, so one request gets the whole answer. */
export const WAIT_HEADERS = { prefer: 'wait' };

export interface Prediction {
  id: string;
  model: string;
  status: string;
  output: unknown;
  error: string | undefined;
  createdAt: string | undefined;
  metrics: Json;
  urls: Json;
}

export function readPrediction(body: Buffer): Prediction {
  const answer = parseJsonResponse(body, 'Replicate prediction');
  const error = answer.error;
  return {
    id: asString(answer.id) ?? '',
    model: asString(answer.model) ?? '',
    status: asString(answer.status) ?? '',
    output: answer.output,
    error: typeof error === 'string' ? error : error == null ? undefined : JSON.stringify(error),
    createdAt: asString(answer.created_at),
    metrics: asRecord(answer.metrics),
    urls: asRecord(answer.urls),
  };
}

/** The prediction, if it succeeded; otherwise the error that says why not. */
export function succeededPrediction(body: Buffer): Prediction {
  const prediction = readPrediction(body);
  switch (prediction.status) {
    case 'succeeded':
      return prediction;
    case 'failed':
      throw new PredictionFailedError(prediction.id, prediction.error ?? 'no reason given');
    case 'canceled':
      throw new PredictionCanceledError(prediction.id);
    default:
      throw new PredictionUnfinishedError(prediction.id, prediction.status || 'unknown');
  }
}

/** Language models stream tokens into an array of strings; some models answer with one string. */
export function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  return asArray(output)
    .map((item) => (typeof item === 'string' ? item : ''))
    .join('');
}

export function tokenCounts(metrics: Json): { inputTokens: number; outputTokens: number } | undefined {
  const input = asNumber(metrics.input_token_count);
  const output = asNumber(metrics.output_token_count);
  return input === undefined && output === undefined
    ? undefined
    : { inputTokens: input ?? 0, outputTokens: output ?? 0 };
}
