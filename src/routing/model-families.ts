/**
 * Well-known model-name families and the provider that serves them. Used when a bare model name
 * says nothing else about where it should go.
 */
const FAMILIES: readonly (readonly [RegExp, string])[] = [
  [/^(gpt-|chatgpt-|o\d|text-embedding-|dall-e|gpt-image-|whisper-|tts-|omni-moderation|davinci-|babbage-)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^gemini-/, 'gemini'],
  [/^(mistral-|codestral-|ministral-|pixtral-|magistral-|devstral-|open-mistral-)/, 'mistral'],
  [/^(command-|embed-)/, 'cohere'],
  [/^deepseek-/, 'deepseek'],
  [/^grok-/, 'xai'],
  [/^jamba-/, 'ai21'],
  [/^sonar/, 'perplexity'],
];

/** The provider a model name belongs to by its family, if it has a well-known one. */
export function providerForModelFamily(model: string): string | undefined {
  for (const [pattern, provider] of FAMILIES) if (pattern.test(model)) return provider;
  return undefined;
}
