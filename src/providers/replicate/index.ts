import { bearerProvider } from '../define.ts';

export default bearerProvider({
  id: 'replicate',
  displayName: 'Replicate',
  envPrefix: 'REPLICATE',
  keyVar: 'REPLICATE_API_TOKEN',
  defaultBaseUrl: 'https://api.replicate.com/v1',
  capabilities: { chat: true, embeddings: false, images: true },
  // Predictions API, not chat completions.
  wireFormat: 'replicate',
});
