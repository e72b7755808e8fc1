import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** One accepted gateway key. `name` labels it in logs and metrics; the key itself never leaves this module. */
interface GatewayKey {
  name: string;
  digest: Buffer;
}

const NAME = /^[A-Za-z0-9][\w.-]*$/;

/**
 * The keys clients must present (`GATEWAY_API_KEYS`, or `GATEWAY_API_KEYS_FILE` with one per
 * line): `key` or `name:key`. Keys are held as SHA-256 digests and compared in constant time, so
 * neither timing nor a heap dump gives them away.
 */
export class GatewayKeys {
  readonly #keys: GatewayKey[];

  private constructor(keys: GatewayKey[]) {
    this.#keys = keys;
  }

  /** Parses `name:key` / `key` entries (commas or newlines; `#` starts a comment line). */
  static parse(text: string): GatewayKeys {
    const entries = text
      .split(/[\n,]/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    return new GatewayKeys(
      entries.map((entry, index) => {
        const colon = entry.indexOf(':');
        const named = colon > 0 && NAME.test(entry.slice(0, colon)) && colon < entry.length - 1;
        return {
          name: named ? entry.slice(0, colon) : `key-${index + 1}`,
          digest: digest(named ? entry.slice(colon + 1) : entry),
        };
      }),
    );
  }

  get size(): number {
    return this.#keys.length;
  }

  /**
   * The name of the key the request carries, or undefined. `X-Gateway-Key` wins when present (it is
   * what pass-through clients use, their `Authorization` belonging to the provider); otherwise a
   * Bearer token, `x-api-key` or `x-goog-api-key`, so any SDK can use the gateway key as its apiKey;
   * last the `?key=` query parameter, where Gemini clients may put it.
   */
  authenticate(headers: IncomingHttpHeaders, search = ''): string | undefined {
    const presented =
      candidate(headers) ?? (search ? (new URLSearchParams(search).get('key') ?? undefined) : undefined);
    if (presented === undefined) return undefined;
    const presentedDigest = digest(presented);
    let match: string | undefined;
    // No early exit: the time taken does not depend on which key matched.
    for (const key of this.#keys)
      if (timingSafeEqual(key.digest, presentedDigest) && match === undefined) match = key.name;
    return match;
  }
}

function candidate(headers: IncomingHttpHeaders): string | undefined {
  const gatewayKey = headers['x-gateway-key'];
  if (typeof gatewayKey === 'string') return gatewayKey.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization)) return authorization.slice(7).trim();
  const apiKey = headers['x-api-key'] ?? headers['x-goog-api-key'];
  return typeof apiKey === 'string' ? apiKey.trim() : undefined;
}

const digest = (key: string) => createHash('sha256').update(key).digest();
