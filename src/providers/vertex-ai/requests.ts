/**
 * Vertex AI serves publishers' models under one project and location: Gemini in Google's own
 * format (the Gemini API's, at other paths), Claude in Anthropic's Messages format with the model in
 * the URL, embedding models through `:predict`. These pure functions move a request built for the
 * Gemini API or the Anthropic API to its Vertex AI form.
 */
import { InvalidRequestError } from '../../errors.ts';
import { isObject, type Json } from '../../formats/common/json.ts';
import type { WireFormat } from '../types.ts';

export interface VertexPlace {
  project: string;
  location: string;
}

/** The `anthropic_version` Vertex AI's Claude endpoints require in the body (Anthropic's Vertex docs). */
const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** Claude models speak Anthropic's format on Vertex; every other publisher model here speaks Gemini's. */
export function vertexWireFormat(model: string | undefined): WireFormat {
  return model !== undefined && /^(anthropic\/)?claude-/.test(model) ? 'anthropic' : 'gemini';
}

/** The regional host, or the global one (`global` has no region prefix). */
export function vertexBaseUrl(location: string): string {
  return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
}

const publisherRoot = ({ project, location }: VertexPlace, publisher: string) =>
  `/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/${publisher}/models`;

/** `/v1beta/models/{model}:{method}` with its query: what the Gemini format builds. */
const GEMINI_PATH = /^\/v1beta\/(?:models\/)?([^:?]+):([A-Za-z]+)(\?.*)?$/;

export function adaptVertexRequest(
  request: { path: string; body: Json },
  target: { model: string | undefined; stream: boolean },
  place: VertexPlace,
): { path: string; body: Json } {
  const gemini = GEMINI_PATH.exec(request.path);
  if (gemini) {
    const [, model, method, query = ''] = gemini as unknown as [string, string, string, string | undefined];
    if (method === 'batchEmbedContents')
      return { path: `${publisherRoot(place, 'google')}/${model}:predict`, body: predictBody(request.body) };
    return { path: `${publisherRoot(place, 'google')}/${model}:${method}${query}`, body: request.body };
  }
  if (request.path === '/messages') {
    const model = claudeModel(target.model ?? request.body.model);
    const { model: _inUrl, ...rest } = request.body;
    const method = target.stream || request.body.stream === true ? 'streamRawPredict' : 'rawPredict';
    return {
      path: `${publisherRoot(place, 'anthropic')}/${model}:${method}`,
      body: { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest },
    };
  }
  if (request.path === '/messages/count_tokens') {
    // Token counting is one endpoint for every Claude model; the model stays in the body.
    const model = claudeModel(target.model ?? request.body.model);
    return {
      path: `${publisherRoot(place, 'anthropic')}/count-tokens:rawPredict`,
      body: { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...request.body, model },
    };
  }
  return request;
}

function claudeModel(model: unknown): string {
  if (typeof model !== 'string' || !model)
    throw new InvalidRequestError(
      'missing_model',
      'Vertex AI needs the model to build the URL of a Claude request.',
      'model',
    );
  return model.replace(/^anthropic\//, '');
}

/**
 * `batchEmbedContents` body → Vertex AI's `:predict` body for embedding models:
 * `{instances: [{content, task_type}], parameters: {outputDimensionality}}`.
 */
function predictBody(batch: Json): Json {
  const requests = Array.isArray(batch.requests) ? batch.requests.filter(isObject) : [];
  const instances = requests.map((request) => {
    const parts = isObject(request.content) && Array.isArray(request.content.parts) ? request.content.parts : [];
    const content = parts.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('');
    return typeof request.taskType === 'string' ? { content, task_type: request.taskType } : { content };
  });
  const dimensions = requests[0]?.outputDimensionality;
  return typeof dimensions === 'number'
    ? { instances, parameters: { outputDimensionality: dimensions } }
    : { instances };
}
