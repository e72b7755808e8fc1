/**
 * Every failure the gateway reports is a GatewayError: an HTTP status, a stable machine-readable
 * code, and a message safe to show a client (it never contains a credential). The server turns
 * these into the client's own error shape in one place (server/error-response.ts).
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'upstream_error';

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: ErrorType = status >= 500 ? 'api_error' : 'invalid_request_error',
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidRequestError extends GatewayError {
  constructor(code: string, message: string, param: string | null = null) {
    super(400, code, message, 'invalid_request_error', param);
  }
}

export class RouteNotFoundError extends GatewayError {
  constructor(method: string, path: string) {
    super(404, 'route_not_found', `No route for ${method} ${path}.`, 'not_found_error');
  }
}

export class MethodNotAllowedError extends GatewayError {
  constructor(
    method: string,
    path: string,
    readonly allowed: readonly string[],
  ) {
    super(
      405,
      'method_not_allowed',
      `${method} is not allowed on ${path}; use ${allowed.join(', ')}.`,
      'invalid_request_error',
    );
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(limit: number) {
    super(413, 'payload_too_large', `Request body exceeds MAX_BODY_BYTES (${limit} bytes).`, 'invalid_request_error');
  }
}

export class ProviderNotFoundError extends GatewayError {
  /** `unavailable`: why a provider whose variables are set was left out at start-up (no credentials found). */
  constructor(requested: string, active: readonly string[], reason: 'unknown' | 'inactive', unavailable?: string) {
    const why =
      reason === 'unknown'
        ? `Unknown provider '${requested}'.`
        : unavailable
          ? `Provider '${requested}' is not active: ${unavailable}`
          : `Provider '${requested}' is not active (its environment variables are not set).`;
    super(
      404,
      'provider_not_found',
      `${why} Active providers: ${active.length ? active.join(', ') : 'none'}.`,
      'not_found_error',
    );
  }
}

/**
 * A cloud platform's credential chain found nothing usable. `reasons` are what the chain's sources
 * said (never a secret); the message ends with what to set.
 */
export class CredentialsUnavailableError extends GatewayError {
  constructor(
    readonly providerName: string,
    readonly reasons: readonly string[],
    readonly remedy: string,
  ) {
    super(
      502,
      'upstream_auth_failed',
      `${providerName} found no credentials${reasons.length ? ` (${reasons.join('; ')})` : ''}. ${remedy}`,
      'upstream_error',
    );
  }
}

export class NoProviderSelectedError extends GatewayError {
  constructor(model: string | undefined, active: readonly string[], why?: string) {
    const what = model === undefined ? 'this request' : `model '${model}'`;
    const message = active.length
      ? `Cannot choose a provider for ${what}${why ? ` (${why})` : ''}. Send an X-Provider header, prefix the model with a provider id ` +
        `(e.g. '${active[0]}/<model>'), or set DEFAULT_PROVIDER. Active providers: ${active.join(', ')}.`
      : `No provider is active. Set a provider's environment variables (e.g. OPENAI_API_KEY) and restart the gateway.`;
    super(400, 'provider_not_selected', message, 'invalid_request_error');
  }
}

/**
 * A 400, not a 501: the same request can never succeed (agents retry 5xx answers, Codex 30 times),
 * only another model or endpoint can.
 */
export class FormatNotSupportedError extends GatewayError {
  constructor(provider: string, providerFormat: string, clientFormat: string, apiPath: string) {
    super(
      400,
      'format_not_supported',
      `Provider '${provider}' speaks the '${providerFormat}' wire format, and the gateway does not translate ` +
        `'${clientFormat}'-format requests to ${apiPath} into it.`,
      'invalid_request_error',
    );
  }
}

export class AuthenticationError extends GatewayError {
  constructor() {
    super(
      401,
      'invalid_api_key',
      'A valid gateway key is required: send it as Authorization: Bearer <key>, x-api-key: <key> or X-Gateway-Key: <key>.',
      'authentication_error',
    );
  }
}

export class KeyExpiredError extends GatewayError {
  constructor(name: string) {
    super(401, 'key_expired', `The gateway key '${name}' has expired.`, 'authentication_error');
  }
}

export class RateLimitError extends GatewayError {
  constructor(
    message: string,
    readonly headers: Record<string, string>,
  ) {
    super(429, 'rate_limit_exceeded', message, 'rate_limit_error');
  }
}

export class UpstreamUnreachableError extends GatewayError {
  constructor(provider: string, detail: string) {
    super(502, 'upstream_unreachable', `Provider '${provider}' could not be reached: ${detail}.`, 'upstream_error');
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(provider: string, timeoutMs: number, phase: 'headers' | 'stream') {
    const what =
      phase === 'headers'
        ? `did not answer within ${timeoutMs} ms (REQUEST_TIMEOUT_MS)`
        : `sent nothing for ${timeoutMs} ms (STREAM_IDLE_TIMEOUT_MS)`;
    super(504, 'upstream_timeout', `Provider '${provider}' ${what}.`, 'upstream_error');
  }
}

export class UpstreamStreamError extends GatewayError {
  constructor(provider: string, detail: string) {
    super(
      502,
      'upstream_stream_error',
      `The stream from provider '${provider}' broke off: ${detail}.`,
      'upstream_error',
    );
  }
}

/**
 * A request parameter the target's wire format cannot express, and that would change the answer
 * if dropped. `param` is the parameter's name in the client's format.
 */
export class UnsupportedParameterError extends GatewayError {
  constructor(param: string, target: string, detail?: string) {
    super(
      400,
      'unsupported_parameter',
      `Parameter '${param}' is not supported by ${target}${detail ? `: ${detail}` : ''}.`,
      'invalid_request_error',
      param,
    );
  }
}

/** A provider's answer that does not parse as its wire format says it should. */
export class UpstreamMalformedError extends GatewayError {
  constructor(provider: string, detail: string) {
    super(
      502,
      'upstream_malformed',
      `Provider '${provider}' sent an answer the gateway could not read: ${detail}.`,
      'upstream_error',
    );
  }
}

/** A provider's answer larger than the gateway holds (MAX_RESPONSE_BYTES, or one SSE event's limit). */
export class UpstreamTooLargeError extends GatewayError {
  constructor(provider: string, what: string, limit: number) {
    super(
      502,
      'upstream_too_large',
      `Provider '${provider}' sent ${what} over ${limit} bytes, more than the gateway holds.`,
      'upstream_error',
    );
  }
}

/** A guardrail rule refused the request or its answer (GUARDRAILS_FILE); it names the rule, never the text it matched. */
export class GuardrailBlockedError extends GatewayError {
  constructor(rule: string, reason: string) {
    super(400, 'guardrail_blocked', `Blocked by guardrail '${rule}': ${reason}.`, 'invalid_request_error');
  }
}

/** A guardrail that must answer (a fail-closed webhook) could not: worth a retry later. */
export class GuardrailUnavailableError extends GatewayError {
  constructor(rule: string, reason: string) {
    super(503, 'guardrail_unavailable', `Guardrail '${rule}' could not check the request: ${reason}.`, 'api_error');
  }
}
