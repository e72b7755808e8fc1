/**
 * Mistakes in the environment that a schema does not see: a misspelt variable (ignored, so the
 * gateway silently runs without it), a credential HTTP cannot carry, a provider switched on only
 * by variables the platform sets for everyone.
 */
import { authModeVariable, PROVIDERS } from '../providers/registry.ts';
import type { Env, Provider } from '../providers/types.ts';

/** Prefixes of the gateway's own variables: an unknown name under one is almost surely a typo. */
const OWN_PREFIXES = [
  'GATEWAY_',
  'RATE_LIMIT_',
  'ROUTING_',
  'ROUTES_',
  'PROVIDER_',
  'CUSTOM_PROVIDERS',
  'CATALOG_',
  'LOG_',
  'COOLDOWN_',
  'BUDGET_',
  'SHUTDOWN_',
  'STREAM_',
  'REQUEST_TIMEOUT',
  'MAX_BODY',
  'MAX_RETRIES',
  // Providers' own prefixes (Bedrock's is BEDROCK_: AWS_* belongs to every AWS tool on the host).
  ...PROVIDERS.map((spec) => `${spec.envPrefix}_`),
];

/**
 * Edit distance between `a` and `b`, or `limit + 1` when it is above `limit`. Start-up compares
 * every variable of the environment with every known name, in the interpreter: only the cells
 * within `limit` of the diagonal are computed, and a row whose least value is above `limit` ends
 * the comparison (measured, one call in a fresh process:
 * 110-135 ms of CPU for a shell's 69 variables with full tables, 6-10 ms like this).
 */
function distance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const band = Math.min(limit, Math.max(a.length, b.length));
  const beyond = band + 1;
  let previous = new Uint16Array(b.length + 1).fill(beyond);
  let current = new Uint16Array(b.length + 1).fill(beyond);
  for (let j = 0; j <= Math.min(b.length, band); j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - band);
    const to = Math.min(b.length, i + band);
    current[from - 1] = from === 1 ? Math.min(i, beyond) : beyond;
    let rowMin = current[from - 1] as number;
    const char = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const d = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (char === b.charCodeAt(j - 1) ? 0 : 1),
      );
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    // A row's least value never decreases further down: the distance is at least that.
    if (rowMin > limit) return limit + 1;
    [previous, current] = [current, previous];
  }
  return Math.min(previous[b.length] as number, limit + 1);
}

/** How far a name may be from a known one to count as a near miss (and the shortest such name). */
const NEAR_MISS = { distance: 2, minLength: 8 };

/**
 * One warning per variable the gateway does not read but that looks like one it does: under one
 * of its prefixes (`OPENAI_APIKEY`), or a letter or two away from a known name (`ANTROPIC_API_KEY`).
 */
export function unknownVariableWarnings(env: Env, known: ReadonlySet<string>): string[] {
  const names = [...known];
  // Known names a near miss of this length could be, in their order (the first closest one is named).
  const byLength = new Map<number, string[]>();
  const ofLength = (length: number) => {
    let list = byLength.get(length);
    if (!list) byLength.set(length, (list = names.filter((n) => Math.abs(n.length - length) <= NEAR_MISS.distance)));
    return list;
  };
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (known.has(name) || env[name] === undefined) continue;
    const ownPrefix = OWN_PREFIXES.some((prefix) => name.startsWith(prefix));
    if (!ownPrefix && name.length < NEAR_MISS.minLength) continue;
    // Under an own prefix the closest name is suggested however far; otherwise only a near miss counts.
    const limit = ownPrefix ? Number.POSITIVE_INFINITY : NEAR_MISS.distance;
    let closest = '';
    let best = Number.POSITIVE_INFINITY;
    for (const candidate of ownPrefix ? names : ofLength(name.length)) {
      const d = distance(name, candidate, Math.min(limit, best));
      if (d < best) [closest, best] = [candidate, d];
    }
    if (ownPrefix || best <= NEAR_MISS.distance)
      warnings.push(`${name} is not a Switchyard variable and is ignored; did you mean ${closest}?`);
  }
  return warnings;
}

/** Every variable name the gateway reads: its own settings and every provider's. */
export function knownVariables(settings: readonly string[]): Set<string> {
  const known = new Set(settings);
  for (const spec of PROVIDERS) {
    for (const variable of spec.env) known.add(variable.name);
    if (spec.enabled) continue; // the demo: nothing to pass through, no upstream
    known.add(authModeVariable(spec));
    known.add(`${spec.envPrefix}_BASE_URL`);
  }
  return known;
}

/**
 * Credentials travel in HTTP headers: one with surrounding whitespace (a pasted newline) or a
 * character a header cannot carry would fail every request as "upstream unreachable". The value
 * itself is never echoed.
 */
export function headerValueProblem(variable: string, value: string): string | undefined {
  if (value !== value.trim()) return `${variable}: has leading or trailing whitespace; remove it`;
  if (!/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value))
    return `${variable}: contains a character an HTTP header cannot carry (only printable ASCII is allowed)`;
  return undefined;
}

export function credentialProblems(env: Env): string[] {
  const problems: string[] = [];
  for (const spec of PROVIDERS)
    for (const variable of spec.env) {
      const value = env[variable.name];
      if (!variable.secret || !value) continue;
      const problem = headerValueProblem(variable.name, value);
      if (problem) problems.push(problem);
    }
  return problems;
}

/**
 * Providers switched on only by variables that other software sets too (`AWS_REGION` is set on
 * every AWS host): none of their own `<PREFIX>_*` variables is set.
 */
export function ambientActivationWarnings(env: Env, providers: ReadonlyMap<string, Provider>): string[] {
  const warnings: string[] = [];
  for (const spec of PROVIDERS) {
    if (!providers.has(spec.id) || spec.enabled) continue;
    const activatedBy = spec.activation.find((group) => group.every((name) => env[name]));
    if (!activatedBy || activatedBy.some((name) => name.startsWith(`${spec.envPrefix}_`))) continue;
    if (Object.keys(env).some((name) => name.startsWith(`${spec.envPrefix}_`) && env[name])) continue;
    warnings.push(
      `${spec.id} is active only because ${activatedBy.join(' and ')} ${activatedBy.length > 1 ? 'are' : 'is'} set in the environment ` +
        '(platforms set these for every program); unset it for the gateway if you did not mean to use it',
    );
  }
  return warnings;
}
