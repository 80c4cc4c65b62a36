// Flags for remote task models (`--model openai-compatible/<name> --endpoint URL`): the CLI user
// is the one who chooses the endpoint and the key's environment variable, so the engine may
// send the key to that endpoint (never to one a .prompt file names on its own).
import { endpointProblem } from '../promptFile/remoteModel';
import type { RemoteAccess } from '../protocol/remoteAccess';
import { ENV_NAME } from '../protocol/remoteAccess';
import { type FlagSpec, UsageError } from './args';

export const remoteFlags: Record<string, FlagSpec> = {
  endpoint: { kind: 'string', description: "base URL with /v1 of an OpenAI-compatible server (overrides the file's promptsmith.endpoint)" },
  'api-key-env': { kind: 'string', description: 'environment variable holding the API key for --endpoint' },
  'max-concurrency': { kind: 'number', description: 'requests in flight at most (default 4)' },
};

/** The request fields of the remote flags (none when no flag is given). */
export function remoteAccessFromFlags(f: Record<string, unknown>): { endpoint?: string; remote?: RemoteAccess } {
  const endpoint = f['endpoint'] as string | undefined;
  if (endpoint !== undefined) {
    const problem = endpointProblem(endpoint);
    if (problem) throw new UsageError(`--endpoint: ${problem}`);
  }
  const apiKeyEnv = f['api-key-env'] as string | undefined;
  if (apiKeyEnv !== undefined && !ENV_NAME.test(apiKeyEnv)) throw new UsageError(`--api-key-env needs an environment variable name, got '${apiKeyEnv}'`);
  if (apiKeyEnv !== undefined && endpoint === undefined) throw new UsageError('--api-key-env goes with --endpoint (the key is sent only to the endpoint you name)');
  const maxConcurrency = f['max-concurrency'] as number | undefined;
  if (maxConcurrency !== undefined && (!Number.isInteger(maxConcurrency) || maxConcurrency < 1)) throw new UsageError('--max-concurrency needs a whole number ≥ 1');
  const remote = apiKeyEnv !== undefined || maxConcurrency !== undefined ? { apiKeyEnv, maxConcurrency } : undefined;
  return { endpoint, remote };
}
