import { NoProviderSelectedError, ProviderNotFoundError } from '../errors.ts';
import type { Provider } from '../providers/types.ts';
import { providerForModelFamily } from './model-families.ts';

export interface SelectionInput {
  /** The X-Provider header, if sent. */
  header: string | undefined;
  /** The request's model, if it has one. */
  model: string | undefined;
}

export interface SelectionContext {
  /** Every provider id the gateway knows, active or not. */
  knownIds: readonly string[];
  active: ReadonlyMap<string, Provider>;
  defaultProvider: string | undefined;
  /** Which providers serve a model, by the catalog. */
  catalog: { providersFor(model: string): readonly string[] };
}

export interface Selection {
  provider: Provider;
  /** The model to send upstream: the request's model with any provider prefix removed. */
  model: string | undefined;
  /** What decided the provider; logged, and useful when debugging a surprising route. */
  reason: 'header' | 'prefix' | 'catalog' | 'model-family' | 'default' | 'only-active';
}

/** Splits `provider/model` or `provider:model` when the head is a known provider id. */
export function splitModelPrefix(model: string, knownIds: readonly string[]): { provider: string; model: string } | undefined {
  const cut = model.search(/[/:]/);
  if (cut <= 0) return undefined;
  const head = model.slice(0, cut);
  return knownIds.includes(head) ? { provider: head, model: model.slice(cut + 1) } : undefined;
}

/**
 * Chooses the provider of a request, in this order: the X-Provider header; a `provider/` or
 * `provider:` model prefix; the active providers that serve the model by the catalog (the first in
 * registry order); the model's well-known family when that provider is active (for models newer
 * than the catalog); DEFAULT_PROVIDER; the only active provider. Anything else is a 400 that says
 * how to choose.
 */
export function selectProvider(input: SelectionInput, context: SelectionContext): Selection {
  const { active } = context;
  const require = (id: string): Provider => {
    const provider = active.get(id);
    if (provider) return provider;
    throw new ProviderNotFoundError(id, [...active.keys()], context.knownIds.includes(id) ? 'inactive' : 'unknown');
  };

  const prefixed = input.model === undefined ? undefined : splitModelPrefix(input.model, context.knownIds);

  if (input.header) {
    const provider = require(input.header.trim().toLowerCase());
    // A prefix naming the same provider is redundant and removed; any other slash belongs to the
    // model's own name (e.g. `meta-llama/Llama-3.3-70B` on Together).
    const model = prefixed?.provider === provider.id ? prefixed.model : input.model;
    return { provider, model, reason: 'header' };
  }
  if (prefixed) return { provider: require(prefixed.provider), model: prefixed.model, reason: 'prefix' };

  if (input.model !== undefined) {
    const serving = context.catalog.providersFor(input.model);
    if (serving.length) {
      for (const provider of active.values()) {
        if (serving.includes(provider.id)) return { provider, model: input.model, reason: 'catalog' };
      }
    }
  }

  const family = input.model === undefined ? undefined : providerForModelFamily(input.model);
  const familyProvider = family === undefined ? undefined : active.get(family);
  if (familyProvider) return { provider: familyProvider, model: input.model, reason: 'model-family' };

  if (context.defaultProvider) return { provider: require(context.defaultProvider), model: input.model, reason: 'default' };
  if (active.size === 1) return { provider: active.values().next().value as Provider, model: input.model, reason: 'only-active' };
  throw new NoProviderSelectedError(input.model, [...active.keys()]);
}
