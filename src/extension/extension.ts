// Extension entry point. activate() stays thin: build the context, register the feature table.
// Nothing here loads onnxruntime or a model; the engine runs in its own process on demand.
import type * as vscode from 'vscode';
import { createContext } from './context';
import { features } from './features';

export function activate(extensionContext: vscode.ExtensionContext): void {
  const started = performance.now();
  const ctx = createContext(extensionContext);
  for (const feature of features) feature(ctx);
  ctx.output.info(`Promptsmith activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {}
