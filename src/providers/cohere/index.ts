import { bearerProvider, CHAT_AND_EMBEDDINGS } from '../define.ts';

export default bearerProvider({
  id: 'cohere',
  displayName: 'Cohere',
  envPrefix: 'COHERE',
  defaultBaseUrl: 'https://api.cohere.com',
  capabilities: CHAT_AND_EMBEDDINGS,
  // Native v2 chat (/v2/chat) with typed stream events.
  wireFormat: 'cohere',
});
