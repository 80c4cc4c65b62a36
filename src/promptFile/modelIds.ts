// Model ids that name hosted models (Genkit's `provider/model`, e.g. googleai/gemini-2.5-flash,
// or a bare hosted name such as gemini-2.5-flash) rather than a local folder or a Hugging Face
// hub id. Promptsmith runs local models (or an `openai-compatible/<name>` server), so these are
// never downloaded: the default model (promptsmith.model, --model) runs the file instead.

/** Genkit plugin prefixes that are never Hugging Face organisations of runnable models. */
const GENKIT_PROVIDERS = [
  'googleai',
  'vertexai',
  'anthropic',
  'ollama',
  'mistral',
  'groq',
  'cohere',
  'deepseek',
  'xai',
  'azureopenai',
  'awsbedrock',
  'bedrock',
  'perplexity',
  'github',
  'openrouter',
  'compat-oai',
];
/** `openai/` is also a hub organisation (openai/gpt-oss-20b, openai/whisper-large-v3): only its API names are hosted. */
const OPENAI_API_MODELS = /^(gpt-(3\.5|4|5)|gpt-4o|o[1-9](-|$)|chatgpt|dall-e|text-embedding|tts-|whisper-1$|davinci|babbage)/;
/** Bare names of hosted model families, as in Dotprompt's examples (`model: gemini-2.5-flash`). */
const HOSTED_NAMES = /^(gemini|gpt-(3\.5|4|5)|gpt-4o|claude|o[1-9]-|command-r|grok-)/i;

export interface RemoteModel {
  /** The provider prefix, when written (`googleai`), else undefined. */
  provider?: string;
  model: string;
}

/** The hosted model a `model:` value names, or undefined for local folders and hub ids. */
export function remoteModelOf(spec: string): RemoteModel | undefined {
  const value = spec.trim();
  if (value === '' || /^(\.{1,2}[\\/]|[\\/]|~[\\/]|[A-Za-z]:[\\/])/.test(value)) return undefined;
  const slash = value.indexOf('/');
  if (slash === -1) return HOSTED_NAMES.test(value) ? { model: value } : undefined;
  const provider = value.slice(0, slash);
  const model = value.slice(slash + 1);
  if (GENKIT_PROVIDERS.includes(provider.toLowerCase())) return { provider, model };
  if (provider.toLowerCase() === 'openai' && OPENAI_API_MODELS.test(model)) return { provider, model };
  return undefined;
}

export function describeRemoteModel(spec: string, remote: RemoteModel): string {
  const who = remote.provider ? `a Genkit model id (provider '${remote.provider}')` : 'a hosted model name';
  return `'${spec}' is ${who}; Promptsmith runs local models (a Hugging Face folder or hub id) or an OpenAI-compatible server (openai-compatible/<name> with promptsmith.endpoint), and never downloads this one`;
}
