// The client side of the engine process, used by the extension host and the CLI alike (no
// vscode here). Forks dist/engine.js on the first request, matches responses and events to
// requests, cancels cooperatively and then by force, and survives engine crashes: pending
// requests fail with E_ENGINE_CRASHED and the next request starts a fresh process.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type EngineEvent, type EngineMethod, type ParamsOf, parseEngineEvent, RESULT_PARSERS, type ResultOf } from '../../protocol/engineApi';
import { type ClientToEngine, parseEngineMessage } from '../../protocol/rpc';
import { engineProcessEnv } from './engineProcessEnv';

export class EngineClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineClientError';
  }
}

export interface EngineClientOptions {
  /** Path of the bundled engine entry (dist/engine.js). */
  enginePath: string;
  /** After a cancel message, how long a request may take to end before the engine is killed (default 5 s). */
  cancelGraceMs?: number;
  /** Engine stdout/stderr lines (default: written to this process's stderr). */
  onLog?(text: string): void;
  /** Told when the engine process exits (expected or not). */
  onExit?(info: { code: number | null; signal: NodeJS.Signals | null; pending: number }): void;
  env?: NodeJS.ProcessEnv;
  execArgv?: string[];
}

export interface RequestOptions {
  /** Every event the request streams, validated (a malformed one is logged and dropped). */
  onEvent?(event: EngineEvent): void;
  signal?: AbortSignal;
}

interface Pending {
  method: EngineMethod;
  resolve(result: unknown): void;
  reject(err: Error): void;
  onEvent?(event: EngineEvent): void;
  /** Set once cancel was asked: the process may be killed for it. */
  cancelled: boolean;
  killTimer?: NodeJS.Timeout;
  detach?(): void;
}

export class EngineClient {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;
  private readonly graceMs: number;

  constructor(private readonly options: EngineClientOptions) {
    this.graceMs = options.cancelGraceMs ?? 5000;
  }

  /** The running engine's pid (undefined before the first request or after a crash). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends a request; resolves with its validated result, or rejects with an EngineClientError. */
  request<M extends EngineMethod>(method: M, params: ParamsOf<M>, options: RequestOptions = {}): Promise<ResultOf<M>> {
    if (this.disposed) return Promise.reject(new EngineClientError('E_DISPOSED', 'the engine client was disposed'));
    if (options.signal?.aborted) return Promise.reject(new EngineClientError('E_CANCELLED', `'${method}' was cancelled before it started`));
    let child: ChildProcess;
    try {
      child = this.ensureChild();
    } catch (err) {
      return Promise.reject(err);
    }
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const entry: Pending = { method, resolve: resolve as (result: unknown) => void, reject, onEvent: options.onEvent, cancelled: false };
      this.pending.set(id, entry);
      if (options.signal) {
        const onAbort = () => this.cancel(id);
        options.signal.addEventListener('abort', onAbort, { once: true });
        entry.detach = () => options.signal!.removeEventListener('abort', onAbort);
      }
      this.send(child, { kind: 'request', id, method, params: params ?? null, ...(options.onEvent ? {} : { events: false as const }) });
    });
  }

  /** Ends the engine process; pending requests fail with E_DISPOSED. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const child = this.child;
    this.failAll('E_DISPOSED', 'the engine client was disposed');
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    // The engine exits when its IPC channel closes; kill it if it does not within a second.
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    await exited;
    clearTimeout(timer);
  }

  private cancel(id: number): void {
    const entry = this.pending.get(id);
    const child = this.child;
    if (!entry || entry.cancelled || !child) return;
    entry.cancelled = true;
    this.send(child, { kind: 'cancel', id });
    entry.killTimer = setTimeout(() => {
      if (this.pending.has(id) && this.child === child) child.kill('SIGKILL');
    }, this.graceMs);
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    if (!existsSync(this.options.enginePath)) {
      throw new EngineClientError('E_ENGINE_MISSING', `${this.options.enginePath}: the engine bundle is missing (run 'npm run build')`);
    }
    const child = fork(this.options.enginePath, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: engineProcessEnv(this.options.env ?? process.env),
      execArgv: this.options.execArgv ?? [],
      serialization: 'json',
    });
    const log = this.options.onLog ?? ((text: string) => process.stderr.write(text));
    child.stdout?.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
    child.on('message', (raw) => this.onMessage(raw));
    child.on('error', (err) => this.onChildGone(child, null, null, err));
    child.on('exit', (code, signal) => this.onChildGone(child, code, signal));
    this.child = child;
    return child;
  }

  private send(child: ChildProcess, message: ClientToEngine): void {
    try {
      child.send(message);
    } catch {
      // The process is gone; its exit handler fails the pending requests.
    }
  }

  private onMessage(raw: unknown): void {
    let message: ReturnType<typeof parseEngineMessage>;
    try {
      message = parseEngineMessage(raw);
    } catch (err) {
      this.log(`promptsmith: dropped malformed engine message: ${(err as Error).message}\n`);
      return;
    }
    const entry = this.pending.get(message.id);
    if (!entry) return;
    if (message.kind === 'event') {
      if (!entry.onEvent) return;
      let event: EngineEvent;
      try {
        event = parseEngineEvent(message.event);
      } catch (err) {
        this.log(`promptsmith: dropped a malformed '${entry.method}' event: ${(err as Error).message}\n`);
        return;
      }
      try {
        entry.onEvent(event);
      } catch {
        // A listener's bug must not break the request.
      }
      return;
    }
    this.settle(message.id, entry);
    if (!message.ok) {
      entry.reject(new EngineClientError(message.error.code, message.error.message));
      return;
    }
    try {
      entry.resolve(RESULT_PARSERS[entry.method](message.result));
    } catch (err) {
      entry.reject(new EngineClientError('E_BAD_RESPONSE', `the engine's answer to '${entry.method}' is malformed: ${(err as Error).message}`));
    }
  }

  private log(text: string): void {
    (this.options.onLog ?? ((t: string) => process.stderr.write(t)))(text);
  }

  private settle(id: number, entry: Pending): void {
    this.pending.delete(id);
    if (entry.killTimer) clearTimeout(entry.killTimer);
    entry.detach?.();
  }

  private onChildGone(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (this.child !== child) return;
    this.child = undefined;
    const pending = this.pending.size;
    const how = err ? `could not run (${err.message})` : signal ? `was killed (${signal})` : `exited with code ${code}`;
    for (const [id, entry] of [...this.pending]) {
      this.settle(id, entry);
      if (entry.cancelled) entry.reject(new EngineClientError('E_CANCELLED', `'${entry.method}' was cancelled (the engine did not stop within ${this.graceMs} ms and was restarted)`));
      else entry.reject(new EngineClientError('E_ENGINE_CRASHED', `the engine process ${how} while '${entry.method}' was running; it restarts on the next request`));
    }
    this.options.onExit?.({ code, signal, pending });
  }

  private failAll(code: string, message: string): void {
    for (const [id, entry] of [...this.pending]) {
      this.settle(id, entry);
      entry.reject(new EngineClientError(code, message));
    }
  }
}
