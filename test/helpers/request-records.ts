import type { RequestRecord } from '../../src/store/record.ts';

/** A finished request as the store keeps it; the test overrides what it is about. */
export function requestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    time: Date.UTC(2026, 0, 1, 10, 0, 0),
    requestId: 'req-1',
    key: 'team-a',
    user: null,
    session: null,
    clientFormat: 'openai',
    method: 'POST',
    route: '/v1/chat/completions',
    path: '/v1/chat/completions',
    provider: 'openai',
    model: 'gpt-4o',
    selectedBy: 'catalog',
    status: 200,
    errorCode: null,
    inputTokens: 10,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 5,
    reasoningTokens: 0,
    costUsd: 0.001,
    latencyMs: 100,
    ttfbMs: 50,
    attempts: [{ provider: 'openai', model: 'gpt-4o', outcome: '200', ms: 100 }],
    bytesIn: 100,
    bytesOut: 200,
    streamed: false,
    aborted: false,
    gatewayHeaders: '{"x-gateway-provider":"openai"}',
    requestBody: null,
    responseBody: null,
    ...overrides,
  };
}
