import { bearerProvider } from '../define.ts';

export default bearerProvider({
  id: 'fireworks',
  displayName: 'Fireworks AI',
  envPrefix: 'FIREWORKS',
  defaultBaseUrl: 'https://api.fireworks.ai/inference/v1',
  capabilities: { chat: true, embeddings: true, images: true },
});
