import { bearerProvider, CHAT_AND_EMBEDDINGS } from '../define.ts';

export default bearerProvider({
  id: 'hugging-face',
  displayName: 'Hugging Face',
  envPrefix: 'HUGGING_FACE',
  // The Inference Providers router: OpenAI-compatible chat completions.
  defaultBaseUrl: 'https://router.huggingface.co/v1',
  capabilities: CHAT_AND_EMBEDDINGS,
});
