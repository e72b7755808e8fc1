/**
 * Finished Replicate predictions → IR, for chat and images: how a prediction reads, and the errors
 * of predictions that did not succeed (`status` is starting, processing, succeeded, failed or
 * canceled).
 */
import { asArray, asNumber, asRecord, asString, type Json, parseJsonResponse } from '../common/json.ts';
import type { ChatRequest, ChatResponse } from '../ir.ts';
import { PredictionCanceledError, PredictionFailedError, PredictionUnfinishedError } from './errors.ts';
import type { ReplicatePrediction, ReplicatePredictionStatus } from './wire.ts';

/** The fields of a `ReplicatePrediction` the gateway uses, each checked. */
export interface Prediction {
  id: string;
  model: string;
  status: string;
  output: unknown;
  error: string | undefined;
  createdAt: string | undefined;
  tokens: { inputTokens: number; outputTokens: number } | undefined;
  streamUrl: string | undefined;
}

export function readPrediction(body: Buffer): Prediction {
  const answer = parseJsonResponse(body, 'Replicate prediction');
  const field = (name: keyof ReplicatePrediction) => answer[name];
  const error = field('error');
  return {
    id: asString(field('id')) ?? '',
    model: asString(field('model')) ?? '',
    status: asString(field('status')) ?? '',
    output: field('output'),
    error: typeof error === 'string' ? error : error == null ? undefined : JSON.stringify(error),
    createdAt: asString(field('created_at')),
    tokens: tokenCounts(asRecord(field('metrics'))),
    streamUrl: asString(asRecord(field('urls')).stream),
  };
}

/** The prediction, if it succeeded; otherwise the error that says why not. */
export function succeededPrediction(body: Buffer): Prediction {
  const prediction = readPrediction(body);
  switch (prediction.status) {
    case 'succeeded' satisfies ReplicatePredictionStatus:
      return prediction;
    case 'failed' satisfies ReplicatePredictionStatus:
      throw new PredictionFailedError(prediction.id, prediction.error ?? 'no reason given');
    case 'canceled' satisfies ReplicatePredictionStatus:
      throw new PredictionCanceledError(prediction.id);
    default:
      throw new PredictionUnfinishedError(prediction.id, prediction.status || 'unknown');
  }
}

/** Language models stream tokens into an array of strings; some models answer with one string. */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  return asArray(output)
    .map((item) => (typeof item === 'string' ? item : ''))
    .join('');
}

function tokenCounts(metrics: Json): { inputTokens: number; outputTokens: number } | undefined {
  const count = (name: keyof NonNullable<ReplicatePrediction['metrics']>) => asNumber(metrics[name]);
  const input = count('input_token_count');
  const output = count('output_token_count');
  return input === undefined && output === undefined
    ? undefined
    : { inputTokens: input ?? 0, outputTokens: output ?? 0 };
}

export function decodeResponse(body: Buffer, request: ChatRequest): ChatResponse {
  const prediction = succeededPrediction(body);
  // Replicate does not say whether the limit cut the answer short.
  return {
    id: prediction.id,
    model: prediction.model || request.model,
    content: [{ type: 'text', text: outputText(prediction.output) }],
    finishReason: 'stop',
    usage: prediction.tokens,
  };
}
