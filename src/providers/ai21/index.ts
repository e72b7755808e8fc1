import { bearerProvider, CHAT_ONLY } from '../define.ts';

export default bearerProvider({
  id: 'ai21',
  displayName: 'AI21',
  envPrefix: 'AI21',
  defaultBaseUrl: 'https://api.ai21.com/studio/v1',
  capabilities: CHAT_ONLY,
});
