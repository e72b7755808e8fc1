import { isYamlPath, parseConfigFile } from '../config/yaml.ts';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type LimitSettings, validateLimits } from './rate-limiter.ts';

/**
 * What one gateway key may do. Limits it leaves out fall back to the global ones (RATE_LIMIT_RPM,
 * …); `models` and `providers` are allow-lists (absent: anything); `metadata` labels its log lines.
 */
export interface KeyPolicy {
  name: string;
  limits: LimitSettings;
  models?: readonly string[];
  providers?: readonly string[];
  /** Epoch ms after which the key is refused (401 key_expired). */
  expiresAt?: number;
  metadata?: Readonly<Record<string, string>>;
}

/** One accepted key: its policy, and the SHA-256 of the key (the key itself is never held). */
interface GatewayKey {
  policy: KeyPolicy;
  digest: Buffer;
}

const NAME = /^[A-Za-z0-9][\w.-]*$/;

const isJsonList = (text: string, path: string) => /\.json$/i.test(path) || text.trimStart().startsWith('[');

/** Whether a key file holds policies (JSON or YAML) rather than `name:key` lines. */
export const isPolicyFile = (text: string, path: string): boolean => isYamlPath(path) || isJsonList(text, path);

/**
 * The keys clients must present: `GATEWAY_API_KEYS` (`key` or `name:key`, comma-separated), or
 * `GATEWAY_API_KEYS_FILE` holding the same one per line, or a JSON (`.json` or text starting with
 * `[`) or YAML (`.yaml`/`.yml`) list of policies. Keys are held as SHA-256 digests and compared in
 * constant time, so neither timing nor a heap dump gives them away. `replace()` swaps the whole
 * set at once (hot reload): a request sees the old set or the new one, never a mix.
 */
export class GatewayKeys {
  #keys: GatewayKey[];

  private constructor(keys: GatewayKey[]) {
    this.#keys = keys;
  }

  /** Parses `name:key` / `key` entries (commas or newlines; `#` starts a comment line). */
  static parse(text: string): GatewayKeys {
    return new GatewayKeys(parseLines(text));
  }

  /** Parses a key file's text (the format by its name and first character); throws Error naming the problem. */
  static parseFile(text: string, path: string): GatewayKeys {
    const trimmed = text.trimStart();
    if (isYamlPath(path)) return new GatewayKeys(parsePolicies(parseConfigFile(text, path)));
    if (isJsonList(text, path)) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new Error('not valid JSON');
      }
      return new GatewayKeys(parsePolicies(value));
    }
    if (/^-\s/m.test(trimmed)) throw new Error('looks like a YAML list: name the file .yaml or .yml');
    return new GatewayKeys(parseLines(text));
  }

  /** Takes the other set's keys: what a reload does once the new file has parsed. */
  replace(other: GatewayKeys): void {
    this.#keys = other.#keys;
  }

  /** Every key's policy (never the key): for the key-expiry notices. */
  get policies(): readonly KeyPolicy[] {
    return this.#keys.map((key) => key.policy);
  }

  get size(): number {
    return this.#keys.length;
  }

  /** Whether any key carries a limit of its own (the limiter then runs even without global limits). */
  get hasOwnLimits(): boolean {
    return this.#keys.some((key) => Object.values(key.policy.limits).some((value) => value !== undefined));
  }

  /**
   * The key the request carries: its name, where it was carried (in pass-through mode that header
   * is dropped, the others belong to the provider) and its policy. Every place a key may travel is
   * tried — `X-Gateway-Key`, a Bearer token, `x-api-key`, `x-goog-api-key`, last the `?key=` query
   * parameter where Gemini clients put it — so a client whose SDK sends its own `Authorization`
   * next to the gateway key in `x-api-key` still gets in.
   */
  authenticate(
    headers: IncomingHttpHeaders,
    search = '',
  ): { name: string; header: string; policy: KeyPolicy } | undefined {
    let found: { name: string; header: string; policy: KeyPolicy } | undefined;
    for (const [header, presented] of candidates(headers, search)) {
      const presentedDigest = digest(presented);
      // No early exit: the time taken does not depend on which key matched.
      for (const key of this.#keys)
        if (timingSafeEqual(key.digest, presentedDigest) && found === undefined)
          found = { name: key.policy.name, header, policy: key.policy };
    }
    return found;
  }
}

function parseLines(text: string): GatewayKey[] {
  const entries = text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const named = colon > 0 && NAME.test(entry.slice(0, colon)) && colon < entry.length - 1;
    return {
      policy: { name: named ? entry.slice(0, colon) : `key-${index + 1}`, limits: {} },
      // `name: key` is how people write it; the space is not part of the key.
      digest: digest(named ? entry.slice(colon + 1).trim() : entry),
    };
  });
}

const FIELDS = new Set([
  'name',
  'key',
  'key_sha256',
  'rpm',
  'tpm',
  'budget_usd_daily',
  'budget_usd_monthly',
  'models',
  'providers',
  'expires_at',
  'metadata',
]);

/** A list of key policies; throws Error naming the entry and field that is wrong (never a key). */
function parsePolicies(value: unknown): GatewayKey[] {
  if (!Array.isArray(value)) throw new Error('must be a list of keys ({name, key or key_sha256, …})');
  const names = new Set<string>();
  return value.map((item: unknown, index) => {
    const at = `entry ${index + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new Error(`${at}: must be an object`);
    const entry = item as Record<string, unknown>;
    for (const field of Object.keys(entry)) if (!FIELDS.has(field)) throw new Error(`${at}: unknown field '${field}'`);
    const name = entry.name;
    if (typeof name !== 'string' || !NAME.test(name))
      throw new Error(`${at}: 'name' must be letters, digits, '.', '_' or '-'`);
    if (names.has(name)) throw new Error(`${at}: name '${name}' is used twice`);
    names.add(name);
    const where = `key '${name}'`;
    let keyDigest: Buffer;
    if (typeof entry.key === 'string' && entry.key.length > 0 && entry.key_sha256 === undefined) {
      keyDigest = digest(entry.key);
    } else if (
      typeof entry.key_sha256 === 'string' &&
      /^[0-9a-f]{64}$/i.test(entry.key_sha256) &&
      entry.key === undefined
    ) {
      keyDigest = Buffer.from(entry.key_sha256, 'hex');
    } else {
      throw new Error(`${where}: needs exactly one of 'key' or 'key_sha256' (64 hex digits)`);
    }
    const number = (field: string) => {
      const v = entry[field];
      if (v === undefined) return undefined;
      if (typeof v !== 'number') throw new Error(`${where}: '${field}' must be a number`);
      return v;
    };
    const limits: LimitSettings = {
      requestsPerMinute: number('rpm'),
      tokensPerMinute: number('tpm'),
      dailyBudgetUsd: number('budget_usd_daily'),
      monthlyBudgetUsd: number('budget_usd_monthly'),
    };
    for (const field of Object.keys(limits) as (keyof LimitSettings)[])
      if (limits[field] === undefined) delete limits[field];
    try {
      validateLimits(limits, {
        requestsPerMinute: `${where}: 'rpm'`,
        tokensPerMinute: `${where}: 'tpm'`,
        dailyBudgetUsd: `${where}: 'budget_usd_daily'`,
        monthlyBudgetUsd: `${where}: 'budget_usd_monthly'`,
      });
    } catch (error) {
      throw new Error((error as Error).message);
    }
    const policy: KeyPolicy = {
      name,
      limits,
      ...optionalList(entry, 'models', where),
      ...optionalList(entry, 'providers', where),
    };
    if (entry.expires_at !== undefined) {
      const raw = entry.expires_at instanceof Date ? entry.expires_at.toISOString() : entry.expires_at;
      const expiresAt = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
      if (!Number.isFinite(expiresAt)) throw new Error(`${where}: 'expires_at' must be an ISO 8601 date`);
      policy.expiresAt = expiresAt;
    }
    if (entry.metadata !== undefined) {
      const metadata = entry.metadata;
      if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
        throw new Error(`${where}: 'metadata' must be an object of labels`);
      const labels: Record<string, string> = {};
      for (const [label, v] of Object.entries(metadata)) {
        if (!['string', 'number', 'boolean'].includes(typeof v))
          throw new Error(`${where}: metadata '${label}' must be a string, number or boolean`);
        labels[label] = String(v);
      }
      policy.metadata = labels;
    }
    return { policy, digest: keyDigest };
  });
}

function optionalList(entry: Record<string, unknown>, field: 'models' | 'providers', where: string) {
  const value = entry[field];
  if (value === undefined) return {};
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.length > 0))
    throw new Error(`${where}: '${field}' must be a list of strings`);
  return { [field]: value as string[] };
}

/** `openai/*`, `anthropic/claude-*`, `gpt-4o`: `*` matches anything (slashes included). */
export function matchesPattern(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return regex.test(value);
}

const escapeRegExp = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

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
