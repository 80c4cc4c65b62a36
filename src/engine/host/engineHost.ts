// Request dispatch inside the engine process. A malformed message is logged and dropped; a
// failing handler answers with an error; nothing a client sends can crash the process.
import { parseClientMessage, type EngineToClient } from '../../protocol/rpc';
import { methods } from './methods';

export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function startEngineHost(): void {
  if (!process.send) {
    process.stderr.write('promptsmith engine: must be started with an IPC channel (child_process.fork)\n');
    process.exit(2);
  }
  const send = (message: EngineToClient) => process.send!(message);
  const running = new Map<number, AbortController>();

  process.on('message', (raw: unknown) => {
    let message: ReturnType<typeof parseClientMessage>;
    try {
      message = parseClientMessage(raw);
    } catch (err) {
      process.stderr.write(`promptsmith engine: dropped malformed message: ${(err as Error).message}\n`);
      return;
    }
    if (message.kind === 'cancel') {
      running.get(message.id)?.abort();
      return;
    }
    const { id, method, params } = message;
    const handler = methods[method];
    if (!handler) {
      send({ kind: 'response', id, ok: false, error: { code: 'E_UNKNOWN_METHOD', message: `unknown engine method '${method}'` } });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    handler(params, { emit: (event) => send({ kind: 'event', id, event }), signal: controller.signal })
      .then(
        (result) => send({ kind: 'response', id, ok: true, result }),
        (err: unknown) => {
          const code = err instanceof EngineError ? err.code : controller.signal.aborted ? 'E_CANCELLED' : 'E_FAILED';
          send({ kind: 'response', id, ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } });
        },
      )
      .finally(() => running.delete(id));
  });
  process.on('disconnect', () => process.exit(0));
}
