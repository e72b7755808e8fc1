import { bearerProvider, CHAT_ONLY } from '../define.ts';

export default bearerProvider({
  id: 'perplexity',
  displayName: 'Perplexity',
  envPrefix: 'PERPLEXITY',
  // Perplexity serves /chat/completions at the root, without /v1.
  defaultBaseUrl: 'https://api.perplexity.ai',
  capabilities: CHAT_ONLY,
});
