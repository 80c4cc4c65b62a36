// What the user (never a .prompt file) says about remote task models: the default endpoint, the
// name of the environment variable holding the API key, and how many requests may be in flight.
// The extension sends its machine-scoped settings, the CLI its flags; the engine reads the key.
import { expectRecord, optionalInteger, optionalString, ProtocolError } from './guards';

export interface RemoteAccess {
  /** Default base URL (with /v1) for files that name no `promptsmith.endpoint`; the API key may be sent here. */
  endpoint?: string;
  /** Name of the environment variable (of the engine process) that holds the API key. */
  apiKeyEnv?: string;
  /** Requests in flight at most (default 4). */
  maxConcurrency?: number;
}

/** An environment variable name: letters, digits and underscores, not starting with a digit. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseRemoteAccess(raw: unknown, where: string): RemoteAccess | undefined {
  if (raw === undefined) return undefined;
  const r = expectRecord(raw, where);
  const apiKeyEnv = optionalString(r, 'apiKeyEnv', where);
  if (apiKeyEnv !== undefined && apiKeyEnv !== '' && !ENV_NAME.test(apiKeyEnv)) throw new ProtocolError(`${where}.apiKeyEnv: expected an environment variable name`);
  return {
    endpoint: optionalString(r, 'endpoint', where) || undefined,
    apiKeyEnv: apiKeyEnv || undefined,
    maxConcurrency: optionalInteger(r, 'maxConcurrency', where, 1),
  };
}
