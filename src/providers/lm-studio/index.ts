import { CHAT_AND_EMBEDDINGS, selfHostedProvider } from '../define.ts';

export default selfHostedProvider({
  id: 'lm-studio',
  displayName: 'LM Studio',
  envPrefix: 'LM_STUDIO',
  exampleBaseUrl: 'http://localhost:1234/v1',
  capabilities: CHAT_AND_EMBEDDINGS,
});
