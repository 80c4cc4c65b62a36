// Remote task models: `model: openai-compatible/<name>` names a model served over the OpenAI
// HTTP API (vLLM, TGI, llama.cpp server, Ollama, `promptsmith serve`), at the base URL of
// `promptsmith.endpoint` (with /v1, as OpenAI clients take it). Pure: the language server, the
// CLI and the engine read the same rules.

export const REMOTE_MODEL_PREFIX = 'openai-compatible/';

/** The served model's name for `openai-compatible/<name>`, else undefined (a local model). */
export function remoteModelName(spec: string | undefined): string | undefined {
  if (spec === undefined || !spec.startsWith(REMOTE_MODEL_PREFIX)) return undefined;
  return spec.slice(REMOTE_MODEL_PREFIX.length);
}

/** Why `url` cannot be an endpoint base URL, or undefined when it can. */
export function endpointProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a URL: ${JSON.stringify(url)} (expected e.g. http://127.0.0.1:8000/v1)`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `expected an http:// or https:// URL, got ${parsed.protocol}`;
  if (parsed.username || parsed.password) return 'the URL must not carry credentials (the API key comes from the environment variable named by promptsmith.remote.apiKeyEnv)';
  if (parsed.search || parsed.hash) return 'the base URL must not have a query or a fragment';
  return undefined;
}

/** The base URL without a trailing slash, so `${base}/completions` is right either way. */
export function normalizeEndpoint(url: string): string {
  return url.replace(/\/+$/, '');
}

/** scheme://host:port of a URL (where an API key may be sent), or undefined for a bad URL. */
export function endpointOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
