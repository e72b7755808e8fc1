import { bearerProvider } from '../define.ts';

export default bearerProvider({
  id: 'xai',
  displayName: 'xAI',
  envPrefix: 'XAI',
  defaultBaseUrl: 'https://api.x.ai/v1',
  capabilities: { chat: true, embeddings: false, images: true },
});
