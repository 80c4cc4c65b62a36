// The extension's settings (promptsmith.*), read fresh on every use so changes apply at once.
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { EngineDevice } from '../protocol/modelApi';
import type { RemoteAccess } from '../protocol/remoteAccess';

export interface PromptsmithSettings {
  model: string | undefined;
  device: EngineDevice;
  offline: boolean;
  cacheDir: string | undefined;
  /** Remote task models (machine-scoped settings: a workspace cannot set them). */
  remote: RemoteAccess;
}

export function readSettings(scope?: vscode.Uri): PromptsmithSettings {
  const c = vscode.workspace.getConfiguration('promptsmith', scope);
  const model = c.get<string>('model')?.trim();
  const cacheDir = c.get<string>('cacheDir')?.trim();
  return {
    model: model ? model : undefined,
    device: c.get<EngineDevice>('device') ?? 'auto',
    offline: c.get<boolean>('offline') ?? false,
    cacheDir: cacheDir ? cacheDir.replace(/^~(?=[\\/])/, homedir()) : undefined,
    remote: {
      endpoint: c.get<string>('remote.endpoint')?.trim() || undefined,
      apiKeyEnv: c.get<string>('remote.apiKeyEnv')?.trim() || undefined,
      maxConcurrency: c.get<number>('remote.maxConcurrency'),
    },
  };
}
