import { bearerProvider, CHAT_ONLY } from '../define.ts';

export default bearerProvider({
  id: 'deepseek',
  displayName: 'DeepSeek',
  envPrefix: 'DEEPSEEK',
  // DeepSeek's documented OpenAI-SDK base URL has no /v1: paths are /chat/completions.
  defaultBaseUrl: 'https://api.deepseek.com',
  capabilities: CHAT_ONLY,
});
