// Request dispatch inside the engine process. A malformed message is logged and dropped; a
// failing handler answers with an error; nothing a client sends can crash the process.
import { ProtocolError } from '../../protocol/guards';
import { type EngineToClient, parseClientMessage } from '../../protocol/rpc';
import { type EngineMethod, isEngineMethod, PARAMS_PARSERS } from '../../protocol/engineApi';
import { methods } from './methods/index';
import type { RequestContext } from './methods/requestContext';

/** Validates the params with the method's parser (a ProtocolError → E_BAD_REQUEST), then runs it. */
function dispatch<M extends EngineMethod>(method: M, raw: unknown, ctx: RequestContext) {
  const parse: (raw: unknown) => Parameters<(typeof methods)[M]>[0] = PARAMS_PARSERS[method];
  const handler: (params: Parameters<(typeof methods)[M]>[0], ctx: RequestContext) => Promise<unknown> = methods[method];
  return handler(parse(raw), ctx);
}

export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The protocol code of a failure: the error's own code, else what the situation says. */
export function errorCode(err: unknown, aborted: boolean): string {
  if (err instanceof ProtocolError) return 'E_BAD_REQUEST';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E_[A-Z_]+$/.test(code)) return code;
  return aborted ? 'E_CANCELLED' : 'E_FAILED';
}

export function startEngineHost(): void {
  if (!process.send) {
    process.stderr.write('promptsmith engine: must be started with an IPC channel (child_process.fork)\n');
    process.exit(2);
  }
  const send = (message: EngineToClient, then?: () => void) => process.send!(message, undefined, undefined, then);
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
    const { id, method, params, events } = message;
    if (!isEngineMethod(method)) {
      send({ kind: 'response', id, ok: false, error: { code: 'E_UNKNOWN_METHOD', message: `unknown engine method '${method}'` } });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    // Run on a later tick so a handler that throws synchronously is answered like any failure.
    Promise.resolve()
      .then(() => dispatch(method, params, { emit: events === false ? () => {} : (event) => send({ kind: 'event', id, event }), signal: controller.signal }))
      .then(
        (result) => send({ kind: 'response', id, ok: true, result }, method === 'shutdown' ? () => process.exit(0) : undefined),
        (err: unknown) => {
          const code = errorCode(err, controller.signal.aborted);
          const text = err instanceof Error ? err.message : String(err);
          send({ kind: 'response', id, ok: false, error: { code, message: text.split('\n')[0]! } });
          if (code === 'E_FAILED' && process.env.PROMPTSMITH_DEBUG) process.stderr.write(`${(err as Error).stack ?? text}\n`);
        },
      )
      .finally(() => running.delete(id));
  });
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C in a terminal reaches the whole process group: the client decides (it sends a cancel,
  // so the task writes its checkpoint); the engine ends when its client goes away.
  process.on('SIGINT', () => {});
}
