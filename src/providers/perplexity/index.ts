import { bearerProvider, CHAT_ONLY } from '../define.ts';

export default bearerProvider({
  id: 'perplexity',
  displayName: 'Perplexity',
  envPrefix: 'PERPLEXITY',
  // Perplexity serves /chat/completions at the root, without /v1.
  defaultBaseUrl: 'https://api.perplexity.ai',
  // Reports usage in the last chunk of every stream without being asked.
  acceptsStreamOptions: false,
  capabilities: CHAT_ONLY,
});
