import type { ChatRequest, ChatResponse } from '../ir.ts';
import { outputText, succeededPrediction, tokenCounts } from './predictions.ts';

export function decodeResponse(body: Buffer, request: ChatRequest): ChatResponse {
  const prediction = succeededPrediction(body);
  // Replicate does not say whether the limit cut the answer short.
  return {
    id: prediction.id,
    model: prediction.model || request.model,
    content: [{ type: 'text', text: outputText(prediction.output) }],
    finishReason: 'stop',
    usage: tokenCounts(prediction.metrics),
  };
}
