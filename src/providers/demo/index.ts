import type { CatalogEntry } from '../../catalog/types.ts';
import { hideSecrets, joinUrl } from '../define.ts';
import type { Env, ProviderSpec } from '../types.ts';
import { DEMO_MODELS, DemoDispatcher } from './dispatcher.ts';

/** Never resolved: requests to the demo are answered in-process by its dispatcher. */
const BASE_URL = 'http://demo.switchyard.invalid/v1';

/**
 * A provider that answers locally, with no key and no network: `switchyard --demo` or `DEMO=true`.
 * It speaks the OpenAI wire format, so every other client format reaches it through the same
 * translation as a real provider, and every answer says it is the demo (`x-gateway-demo: true`).
 */
const demo: ProviderSpec = {
  id: 'demo',
  displayName: 'Demo (local answers, no model)',
  wireFormat: 'openai',
  defaultBaseUrl: BASE_URL,
  envPrefix: 'DEMO',
  capabilities: { chat: true, embeddings: true, images: false },
  activation: [['DEMO']],
  enabled: (env: Env) => env.DEMO === 'true' || env.DEMO === '1',
  env: [{ name: 'DEMO', description: 'true: activate the built-in demo provider (same as --demo).' }],
  create() {
    return hideSecrets({
      id: 'demo',
      wireFormat: 'openai',
      baseUrl: BASE_URL,
      authHeaders: {},
      acceptsStreamOptions: true,
      dispatcher: new DemoDispatcher(),
      url: (path, search) => joinUrl(BASE_URL, path) + search,
      listModels: async () => DEMO_MODELS.map((model) => model.id),
    });
  },
};

export default demo;

/** The demo's models, free: they are selectable by name and listed in /v1/models. */
export const DEMO_CATALOG: readonly CatalogEntry[] = DEMO_MODELS.map(({ id, mode }) => ({
  provider: 'demo',
  routable: true,
  model: id,
  mode,
  pricing: { input: 0, output: 0 },
  capabilities: { tools: false, vision: false, reasoning: false, promptCaching: false, jsonSchema: false },
}));
