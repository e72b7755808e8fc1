/**
 * OpenAI image generation → a Replicate image model's prediction. Image models name their inputs
 * alike (FLUX, Stable Diffusion, …): `prompt`, `num_outputs`, and the size as `width`/`height`
 * (Stable Diffusion) or `aspect_ratio` (FLUX); each ignores the inputs it does not have, so both
 * size forms are sent. The output is a URL or a list of URLs.
 */
import { UnsupportedParameterError } from '../../errors.ts';
import { asArray } from '../common/json.ts';
import type { ImagesRequest, ImagesResponse } from '../ir.ts';
import type { ProviderImagesFormat, ProviderRequest } from '../types.ts';
import { predictionTarget, REPLICATE, WAIT_HEADERS } from './request.ts';
import { succeededPrediction } from './response.ts';
import type { ReplicateImageInput, ReplicatePredictionRequest } from './wire.ts';

/** The aspect ratios FLUX-style models accept; a size of another shape is sent as width/height only. */
const ASPECT_RATIOS = new Set(['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21']);

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** `1024x768` → width, height and (when it is one models accept) the reduced aspect ratio. */
export function sizeInputs(size: string): Pick<ReplicateImageInput, 'width' | 'height' | 'aspect_ratio'> {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match) {
    if (size === 'auto') return {};
    throw new UnsupportedParameterError('size', REPLICATE, `'${size}' is not WIDTHxHEIGHT`);
  }
  const width = Number(match[1]);
  const height = Number(match[2]);
  const divisor = gcd(width, height) || 1;
  const ratio = `${width / divisor}:${height / divisor}`;
  return { width, height, ...(ASPECT_RATIOS.has(ratio) ? { aspect_ratio: ratio } : {}) };
}

function buildRequest(request: ImagesRequest, model: string | undefined): ProviderRequest {
  const refused = Object.keys(request.unmapped)[0];
  if (refused !== undefined) throw new UnsupportedParameterError(refused, REPLICATE);
  if (request.responseFormat === 'b64_json')
    throw new UnsupportedParameterError('response_format', REPLICATE, 'Replicate returns images as URLs');
  // Quality tiers are OpenAI's own; Replicate models have no common equivalent.
  if (request.quality !== undefined && request.quality !== 'auto' && request.quality !== 'standard')
    throw new UnsupportedParameterError('quality', REPLICATE);
  const target = predictionTarget(model ?? request.model);
  const input: ReplicateImageInput = {
    prompt: request.prompt,
    ...(request.n !== undefined ? { num_outputs: request.n } : {}),
    ...(request.size !== undefined ? sizeInputs(request.size) : {}),
  };
  const body: ReplicatePredictionRequest<ReplicateImageInput> = { ...target.body, input };
  return { path: target.path, body, headers: { ...WAIT_HEADERS } };
}

function decodeResponse(body: Buffer): ImagesResponse {
  const prediction = succeededPrediction(body);
  const urls =
    typeof prediction.output === 'string'
      ? [prediction.output]
      : asArray(prediction.output).filter((item): item is string => typeof item === 'string');
  const created = prediction.createdAt ? Math.floor(Date.parse(prediction.createdAt) / 1000) : NaN;
  return {
    created: Number.isFinite(created) ? created : Math.floor(Date.now() / 1000),
    images: urls.map((url) => ({ url })),
  };
}

export const images: ProviderImagesFormat = { buildRequest, decodeResponse };
