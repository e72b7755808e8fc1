import { bearerProvider } from '../define.ts';

export default bearerProvider({
  id: 'openai',
  displayName: 'OpenAI',
  envPrefix: 'OPENAI',
  defaultBaseUrl: 'https://api.openai.com/v1',
  capabilities: { chat: true, embeddings: true, images: true },
  nativeFormats: ['openai-responses'],
});
