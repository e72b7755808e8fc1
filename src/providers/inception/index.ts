import { bearerProvider, CHAT_ONLY } from '../define.ts';

export default bearerProvider({
  id: 'inception',
  displayName: 'Inception Labs',
  envPrefix: 'INCEPTION',
  defaultBaseUrl: 'https://api.inceptionlabs.ai/v1',
  capabilities: CHAT_ONLY,
});
