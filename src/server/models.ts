import type { Catalog } from '../catalog/catalog.ts';
import type { CatalogEntry } from '../catalog/types.ts';
import type { Provider } from '../providers/types.ts';

/** A model in `GET /v1/models`: OpenAI's list item, plus what the catalog knows. */
export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  mode: string;
  context_window: number | null;
  max_output_tokens: number | null;
  /** USD per million tokens (per image for image models). */
  pricing: Record<string, number>;
  capabilities: CatalogEntry['capabilities'] | null;
  deprecation_date?: string;
}

const LIVE_LIST_TTL_MS = 60_000;

/**
 * The models of the active providers: catalog entries, plus live lists (e.g. Ollama's pulled
 * models), which are cached for a minute and skipped with a warning when the server is down.
 */
export class ModelDirectory {
  readonly #catalog: Catalog;
  readonly #providers: ReadonlyMap<string, Provider>;
  readonly #onLiveListError: (provider: string, error: Error) => void;
  readonly #live = new Map<string, { at: number; models: Promise<string[]> }>();

  constructor(
    catalog: Catalog,
    providers: ReadonlyMap<string, Provider>,
    onLiveListError: (provider: string, error: Error) => void,
  ) {
    this.#catalog = catalog;
    this.#providers = providers;
    this.#onLiveListError = onLiveListError;
  }

  async list(filter: { provider?: string | null; mode?: string | null } = {}): Promise<ModelObject[]> {
    const models: ModelObject[] = [];
    for (const provider of this.#providers.values()) {
      if (filter.provider && provider.id !== filter.provider) continue;
      const seen = new Set<string>();
      for (const entry of this.#catalog.entriesOf(provider.id)) {
        seen.add(entry.model);
        models.push(modelObject(provider.id, entry.model, entry));
      }
      for (const model of await this.#liveModels(provider)) {
        if (!seen.has(model)) models.push(modelObject(provider.id, model, undefined));
      }
    }
    return filter.mode ? models.filter((m) => m.mode === filter.mode) : models;
  }

  /** One model by its `provider/model` id, or by a bare model name served by an active provider. */
  async find(id: string): Promise<ModelObject | undefined> {
    const all = await this.list();
    return all.find((m) => m.id === id) ?? all.find((m) => m.id.slice(m.owned_by.length + 1) === id);
  }

  async #liveModels(provider: Provider): Promise<string[]> {
    if (!provider.listModels) return [];
    const cached = this.#live.get(provider.id);
    if (cached && Date.now() - cached.at < LIVE_LIST_TTL_MS) return cached.models;
    const models = provider.listModels().catch((error: Error) => {
      this.#onLiveListError(provider.id, error);
      this.#live.delete(provider.id); // try again next time rather than caching the failure
      return [];
    });
    this.#live.set(provider.id, { at: Date.now(), models });
    return models;
  }
}

function modelObject(provider: string, model: string, entry: CatalogEntry | undefined): ModelObject {
  const pricing: Record<string, number> = {};
  const p = entry?.pricing ?? {};
  if (p.input !== undefined) pricing.input = p.input;
  if (p.output !== undefined) pricing.output = p.output;
  if (p.cachedInput !== undefined) pricing.cached_input = p.cachedInput;
  if (p.cacheWrite !== undefined) pricing.cache_write = p.cacheWrite;
  if (p.reasoning !== undefined) pricing.reasoning = p.reasoning;
  if (p.perImage !== undefined) pricing.per_image = p.perImage;
  return {
    id: `${provider}/${model}`,
    object: 'model',
    created: 0,
    owned_by: provider,
    mode: entry?.mode ?? 'chat',
    context_window: entry?.contextWindow ?? null,
    max_output_tokens: entry?.maxOutputTokens ?? null,
    pricing,
    capabilities: entry?.capabilities ?? null,
    ...(entry?.deprecationDate ? { deprecation_date: entry.deprecationDate } : {}),
  };
}
