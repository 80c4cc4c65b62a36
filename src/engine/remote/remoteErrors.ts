// Errors of remote task models carry a stable code, sent over the engine protocol as-is, and a
// message that names the endpoint. E_ENDPOINT_DOWN is the one a long task can wait out: the
// server did not answer (refused, reset, timed out, 429/502/503/504 after every retry), so the
// task pauses and carries on — or resumes from its checkpoint — once the server is back.

export type RemoteErrorCode =
  /** No answer after every retry: connection refused or reset, timeout, 429/502/503/504. */
  | 'E_ENDPOINT_DOWN'
  /** The server answered with an error that retrying does not fix (4xx, or 500 after retries). */
  | 'E_REMOTE_HTTP'
  /** The answer is not what the OpenAI API says (missing fields, wrong counts). */
  | 'E_REMOTE_RESPONSE'
  /** The server lacks what the request needs (e.g. prompt log-probs for multi-token verbalizers). */
  | 'E_REMOTE_UNSUPPORTED'
  | 'E_CANCELLED';

export class RemoteError extends Error {
  constructor(
    readonly code: RemoteErrorCode,
    message: string,
    /** The base URL the request went to. */
    readonly endpoint: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

/** Whether `err` means the endpoint is unreachable for now (a long task pauses on it). */
export function isEndpointDown(err: unknown): err is RemoteError {
  return err instanceof RemoteError && err.code === 'E_ENDPOINT_DOWN';
}
