/** The gateway's models in Ollama's shapes: `/api/tags` entries and the `/api/show` answer. */
import type { ClientModelsFormat, ListedModel } from '../types.ts';
import type { OllamaModel } from './wire.ts';

/** What `ollama --version` style probes (`GET /api/version`) get: an API level the `ollama` clients accept. */
export const OLLAMA_API_VERSION = '0.12.0';

function details(model: ListedModel): OllamaModel['details'] {
  return {
    parent_model: '',
    format: 'gateway',
    family: model.owned_by,
    families: [model.owned_by],
    parameter_size: '',
    quantization_level: '',
  };
}

function tag(model: ListedModel): OllamaModel {
  return {
    name: model.id,
    model: model.id,
    modified_at: new Date(0).toISOString(),
    size: 0,
    digest: '',
    details: details(model),
  };
}

export const models: ClientModelsFormat = {
  list: (listed) => ({ models: listed.map(tag) }),
  one: (model) => ({
    modelfile: '',
    parameters: '',
    template: '',
    details: details(model),
    model_info: model.context_window ? { 'general.context_length': model.context_window } : {},
    capabilities: model.mode === 'embedding' ? ['embedding'] : ['completion', 'tools'],
  }),
};
