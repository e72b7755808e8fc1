import { CHAT_AND_EMBEDDINGS, selfHostedProvider } from '../define.ts';

export default selfHostedProvider({
  id: 'vllm',
  displayName: 'vLLM',
  envPrefix: 'VLLM',
  exampleBaseUrl: 'http://localhost:8000/v1',
  capabilities: CHAT_AND_EMBEDDINGS,
});
