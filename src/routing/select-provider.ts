import { NoProviderSelectedError, ProviderNotFoundError } from '../errors.ts';
import type { Provider } from '../providers/types.ts';
import { providerForModelFamily } from './model-families.ts';

export interface SelectionInput {
  /** The X-Provider header, if sent. */
  header: string | undefined;
  /** The request's model, if it has one. */
  model: string | undefined;
  /** The provider the request's path is the API of (Ollama's `/api/chat`: `ollama`), if any. */
  pathProvider?: string | undefined;
}

export interface SelectionContext {
  /** Every provider id the gateway knows, active or not. */
  knownIds: readonly string[];
  active: ReadonlyMap<string, Provider>;
  defaultProvider: string | undefined;
  /** Which providers serve a model, by the catalog. */
  catalog: { providersFor(model: string): readonly string[] };
  /** Providers left out at start-up because no credentials were found, with why and what to set. */
  unavailable?: ReadonlyMap<string, string>;
  /** ROUTES: virtual model names and their targets. */
  routes?: ReadonlyMap<string, readonly { provider: string; model: string }[]>;
}

/** A provider and the model to send it: the request's model with any provider prefix removed. */
export interface Candidate {
  provider: Provider;
  model: string | undefined;
}

export interface Selection {
  /** Never empty; in registry (or route) order, before any routing strategy reorders them. */
  candidates: Candidate[];
  /** What decided; logged, and useful when debugging a surprising route. */
  reason: 'header' | 'prefix' | 'route' | 'catalog' | 'model-family' | 'path' | 'default' | 'only-active';
}

/** Splits `provider/model` or `provider:model` when the head is a known provider id. */
export function splitModelPrefix(
  model: string,
  knownIds: readonly string[],
): { provider: string; model: string } | undefined {
  const cut = model.search(/[/:]/);
  if (cut <= 0) return undefined;
  const head = model.slice(0, cut);
  return knownIds.includes(head) ? { provider: head, model: model.slice(cut + 1) } : undefined;
}

/**
 * Finds the candidates of a request, in this order: the X-Provider header; a `provider/` or
 * `provider:` model prefix; a virtual model of ROUTES (its active targets); the active providers
 * that serve the model by the catalog (all of them, in registry order); the model's well-known
 * family when that provider is active (for models newer than the catalog); DEFAULT_PROVIDER; the
 * only active provider. Anything else is a 400 that says how to choose.
 */
export function selectProvider(input: SelectionInput, context: SelectionContext): Selection {
  const { active } = context;
  const require = (id: string): Provider => {
    const provider = active.get(id);
    if (provider) return provider;
    const known = context.knownIds.includes(id);
    throw new ProviderNotFoundError(
      id,
      [...active.keys()],
      known ? 'inactive' : 'unknown',
      known ? context.unavailable?.get(id) : undefined,
    );
  };

  const prefixed = input.model === undefined ? undefined : splitModelPrefix(input.model, context.knownIds);

  if (input.header) {
    const provider = require(input.header.trim().toLowerCase());
    // A prefix naming the same provider is redundant and removed; any other slash belongs to the
    // model's own name (e.g. `meta-llama/Llama-3.3-70B` on Together).
    const model = prefixed?.provider === provider.id ? prefixed.model : input.model;
    return { candidates: [{ provider, model }], reason: 'header' };
  }
  if (prefixed)
    return { candidates: [{ provider: require(prefixed.provider), model: prefixed.model }], reason: 'prefix' };

  const route = input.model === undefined ? undefined : context.routes?.get(input.model);
  if (route) {
    const candidates = route.flatMap((t) => {
      const provider = active.get(t.provider);
      return provider ? [{ provider, model: t.model }] : [];
    });
    if (candidates.length) return { candidates, reason: 'route' };
    throw new NoProviderSelectedError(
      input.model,
      [...active.keys()],
      `none of the providers of route '${input.model}' is active`,
    );
  }

  if (input.model !== undefined) {
    const serving = context.catalog.providersFor(input.model);
    if (serving.length) {
      const candidates: Candidate[] = [];
      for (const provider of active.values())
        if (serving.includes(provider.id)) candidates.push({ provider, model: input.model });
      if (candidates.length) return { candidates, reason: 'catalog' };
    }
  }

  const family = input.model === undefined ? undefined : providerForModelFamily(input.model);
  const familyProvider = family === undefined ? undefined : active.get(family);
  if (familyProvider) return { candidates: [{ provider: familyProvider, model: input.model }], reason: 'model-family' };

  const pathProvider = input.pathProvider === undefined ? undefined : active.get(input.pathProvider);
  if (pathProvider) return { candidates: [{ provider: pathProvider, model: input.model }], reason: 'path' };

  if (context.defaultProvider)
    return { candidates: [{ provider: require(context.defaultProvider), model: input.model }], reason: 'default' };
  if (active.size === 1)
    return {
      candidates: [{ provider: active.values().next().value as Provider, model: input.model }],
      reason: 'only-active',
    };
  throw new NoProviderSelectedError(input.model, [...active.keys()]);
}
