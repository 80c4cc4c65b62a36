// Errors of the runtime carry a stable code (sent over the protocol as-is) and a one-line
// message that names the file, field or model at fault.

export type RuntimeErrorCode =
  | 'E_MODEL_NOT_FOUND'
  | 'E_BAD_MODEL'
  | 'E_OFFLINE'
  | 'E_DOWNLOAD'
  | 'E_DEVICE'
  | 'E_BAD_INPUT'
  | 'E_CANCELLED';

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

/** Throws E_CANCELLED when the signal is aborted; long loops call this between steps. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RuntimeError('E_CANCELLED', 'cancelled');
}
