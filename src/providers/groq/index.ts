import { bearerProvider, CHAT_ONLY } from '../define.ts';

export default bearerProvider({
  id: 'groq',
  displayName: 'Groq',
  envPrefix: 'GROQ',
  defaultBaseUrl: 'https://api.groq.com/openai/v1',
  capabilities: CHAT_ONLY,
});
