import { bearerProvider, CHAT_AND_EMBEDDINGS } from '../define.ts';

export default bearerProvider({
  id: 'openrouter',
  displayName: 'OpenRouter',
  envPrefix: 'OPENROUTER',
  defaultBaseUrl: 'https://openrouter.ai/api/v1',
  capabilities: CHAT_AND_EMBEDDINGS,
});
