// Where an `openai-compatible/<name>` model is served, and with which key. The endpoint comes
// from --endpoint, else the file's `promptsmith.endpoint`, else the user's default
// (promptsmith.remote.endpoint). The API key is read from the environment variable the USER
// names (promptsmith.remote.apiKeyEnv, machine scope), and is sent only to an endpoint the user
// chose (the default endpoint or --endpoint): a repository's .prompt file can name an endpoint,
// but it can never make the engine send the user's key there.
import type { ParsedPromptFile } from '../../promptFile/promptFile';
import { endpointOrigin, endpointProblem, normalizeEndpoint, REMOTE_MODEL_PREFIX, remoteModelName } from '../../promptFile/remoteModel';
import type { RemoteAccess } from '../../protocol/remoteAccess';
import { OpenAiClient } from './openAiClient';

export const DEFAULT_MAX_CONCURRENCY = 4;

export interface RemoteTarget {
  /** The served model's name (the `model` field of requests). */
  name: string;
  /** `openai-compatible/<name>`. */
  spec: string;
  /** Base URL with /v1, no trailing slash. */
  endpoint: string;
  apiKey?: string;
  /** Why no key is sent, when the user configured one (for a 401's message). */
  keyNote?: string;
  maxConcurrency: number;
}

export interface RemoteRequest {
  endpoint?: string;
  remote?: RemoteAccess;
}

/** The remote target of a model spec, or undefined for a local model. Errors name the file and the setting. */
export function remoteTargetOf(spec: string, parsed: ParsedPromptFile | undefined, where: string, request: RemoteRequest, env: NodeJS.ProcessEnv = process.env): RemoteTarget | undefined {
  const name = remoteModelName(spec);
  if (name === undefined) return undefined;
  if (name.trim() === '') throw new Error(`${where}: '${REMOTE_MODEL_PREFIX}' needs the served model's name after it (e.g. ${REMOTE_MODEL_PREFIX}meta-llama/Llama-3.1-8B)`);
  const [raw, source] =
    request.endpoint !== undefined
      ? [request.endpoint, '--endpoint']
      : parsed?.endpoint !== undefined
        ? [parsed.endpoint, 'promptsmith.endpoint']
        : [request.remote?.endpoint, 'the promptsmith.remote.endpoint setting'];
  if (raw === undefined) {
    throw new Error(`${where}: model ${spec} needs an endpoint: add 'promptsmith.endpoint: http://host:port/v1' to the front matter, set promptsmith.remote.endpoint, or pass --endpoint`);
  }
  const problem = endpointProblem(raw);
  if (problem) throw new Error(`${where}: ${source}: ${problem}`);
  const endpoint = normalizeEndpoint(raw);
  const target: RemoteTarget = { name, spec, endpoint, maxConcurrency: request.remote?.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY };
  const variable = request.remote?.apiKeyEnv;
  if (variable) {
    const trusted = [request.endpoint, request.remote?.endpoint].filter((e): e is string => e !== undefined).map(endpointOrigin);
    if (!trusted.includes(endpointOrigin(endpoint))) {
      target.keyNote = `the API key (from $${variable}) is sent only to the endpoint you chose (promptsmith.remote.endpoint or --endpoint), not to ${endpointOrigin(endpoint)} named by ${where}`;
    } else {
      const key = env[variable];
      if (!key) throw new Error(`${where}: promptsmith.remote.apiKeyEnv names $${variable}, which is not set in the engine's environment`);
      target.apiKey = key;
    }
  }
  return target;
}

/** Soft prompts are local: an adapter and a remote model do not go together. */
export function checkNoSoftPrompt(target: RemoteTarget | undefined, softPrompt: string | undefined, where: string): void {
  if (target && softPrompt) throw new Error(`${where}: the soft prompt ${softPrompt} needs the local model it was tuned on, not ${target.spec} (pass --no-soft-prompt to leave it out)`);
}

const clients = new Map<string, OpenAiClient>();

/** One client per endpoint, key and bound, shared by every task of the process: the bound holds across them. */
export function clientFor(target: RemoteTarget): OpenAiClient {
  const key = [target.endpoint, target.apiKey ?? '', target.maxConcurrency].join('\u0000');
  let client = clients.get(key);
  if (!client) {
    client = new OpenAiClient({ endpoint: target.endpoint, apiKey: target.apiKey, maxConcurrency: target.maxConcurrency, keyNote: target.keyNote });
    clients.set(key, client);
  }
  return client;
}

/** What results and run records show as the device of a remote model. */
export function remoteDevice(target: RemoteTarget): string {
  return `remote ${target.endpoint}`;
}
