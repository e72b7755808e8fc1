import { bearerProvider, CHAT_ONLY } from '../define.ts';

export default bearerProvider({
  id: 'inference-net',
  displayName: 'Inference.net',
  envPrefix: 'INFERENCE_NET',
  defaultBaseUrl: 'https://api.inference.net/v1',
  capabilities: CHAT_ONLY,
});
