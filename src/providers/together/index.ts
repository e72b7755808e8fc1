import { bearerProvider } from '../define.ts';

export default bearerProvider({
  id: 'together',
  displayName: 'Together AI',
  envPrefix: 'TOGETHER',
  defaultBaseUrl: 'https://api.together.xyz/v1',
  capabilities: { chat: true, embeddings: true, images: true },
});
