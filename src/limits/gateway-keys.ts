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
          // `name: key` is how people write it; the space is not part of the key.
          digest: digest(named ? entry.slice(colon + 1).trim() : entry),
        };
      }),
    );
  }

  get size(): number {
    return this.#keys.length;
  }

  /**
   * The key the request carries: its name, and where it was carried (in pass-through mode that
   * header is dropped, the others belong to the provider). Every place a key may travel is tried —
   * `X-Gateway-Key`, a Bearer token, `x-api-key`, `x-goog-api-key`, last the `?key=` query
   * parameter where Gemini clients put it — so a client whose SDK sends its own `Authorization`
   * next to the gateway key in `x-api-key` still gets in.
   */
  authenticate(headers: IncomingHttpHeaders, search = ''): { name: string; header: string } | undefined {
    let found: { name: string; header: string } | undefined;
    for (const [header, presented] of candidates(headers, search)) {
      const presentedDigest = digest(presented);
      // No early exit: the time taken does not depend on which key matched.
      for (const key of this.#keys)
        if (timingSafeEqual(key.digest, presentedDigest) && found === undefined) found = { name: key.name, header };
    }
    return found;
  }
}

function candidates(headers: IncomingHttpHeaders, search: string): [string, string][] {
  const found: [string, string][] = [];
  const gatewayKey = headers['x-gateway-key'];
  if (typeof gatewayKey === 'string') found.push(['x-gateway-key', gatewayKey.trim()]);
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization))
    found.push(['authorization', authorization.slice(7).trim()]);
  for (const header of ['x-api-key', 'x-goog-api-key']) {
    const apiKey = headers[header];
    if (typeof apiKey === 'string') found.push([header, apiKey.trim()]);
  }
  const queryKey = search ? new URLSearchParams(search).get('key') : null;
  if (queryKey !== null) found.push(['?key', queryKey.trim()]);
  return found;
}

const digest = (key: string) => createHash('sha256').update(key).digest();
