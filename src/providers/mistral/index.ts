import { bearerProvider, CHAT_AND_EMBEDDINGS } from '../define.ts';

export default bearerProvider({
  id: 'mistral',
  displayName: 'Mistral',
  envPrefix: 'MISTRAL',
  defaultBaseUrl: 'https://api.mistral.ai/v1',
  // Reports usage in the last chunk of every stream without being asked.
  acceptsStreamOptions: false,
  capabilities: CHAT_AND_EMBEDDINGS,
});
