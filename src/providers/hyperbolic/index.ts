import { bearerProvider, CHAT_ONLY } from '../define.ts';

export default bearerProvider({
  id: 'hyperbolic',
  displayName: 'Hyperbolic',
  envPrefix: 'HYPERBOLIC',
  defaultBaseUrl: 'https://api.hyperbolic.xyz/v1',
  capabilities: CHAT_ONLY,
});
