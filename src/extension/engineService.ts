// The extension's handle on the engine process: started on the first request (never at
// activation), restarted after a crash by the next request, stopped on deactivation. Requests
// take a CancellationToken and refuse to run in an untrusted workspace.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EngineClient } from '../engine/client/engineClient';
import type { EngineEvent, EngineMethod, ParamsOf, ResultOf } from '../protocol/engineApi';
import type { PromptsmithContext } from './context';

export class UntrustedWorkspaceError extends Error {
  constructor() {
    super('Promptsmith runs models only in a trusted workspace (Workspaces: Manage Workspace Trust).');
  }
}

export class EngineService implements vscode.Disposable {
  private client: EngineClient | undefined;

  constructor(private readonly ctx: PromptsmithContext) {}

  private get engine(): EngineClient {
    this.client ??= new EngineClient({
      enginePath: join(this.ctx.vscode.extensionPath, 'dist', 'engine.js'),
      // In desktop VS Code process.execPath is Electron: run it as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      onLog: (text) => this.ctx.output.info(`[engine] ${text.trimEnd()}`),
      onExit: ({ code, signal, pending }) => {
        if (pending > 0 || (code !== 0 && code !== null)) {
          this.ctx.output.warn(`engine process exited (code ${code}, signal ${signal}) with ${pending} request(s) pending; it restarts on the next request`);
        }
      },
    });
    return this.client;
  }

  async request<M extends EngineMethod>(method: M, params: ParamsOf<M>, options: { token?: vscode.CancellationToken; onEvent?(event: EngineEvent): void } = {}): Promise<ResultOf<M>> {
    if (!vscode.workspace.isTrusted) throw new UntrustedWorkspaceError();
    const controller = new AbortController();
    const sub = options.token?.onCancellationRequested(() => controller.abort());
    try {
      return await this.engine.request(method, params, { signal: controller.signal, onEvent: options.onEvent });
    } finally {
      sub?.dispose();
    }
  }

  dispose(): void {
    void this.client?.dispose();
    this.client = undefined;
  }
}

let service: EngineService | undefined;

export function engineService(): EngineService {
  if (!service) throw new Error('Promptsmith: the engine service is used before activation');
  return service;
}

export function registerEngineService(ctx: PromptsmithContext): void {
  service = ctx.own(new EngineService(ctx));
}
