// Extension entry point. activate() stays thin: build the context, register the feature table.
// Nothing here loads onnxruntime or a model; the engine runs in its own process on demand.
import type * as vscode from 'vscode';
import { createContext } from './context';
import { features } from './features';

/** Set by the bundle's first line (esbuild.config.mjs); absent when this file is not bundled. */
declare const __promptsmithLoadStart: number | undefined;
/** Module code runs after its imports: this is when the whole bundle has been evaluated. */
const evaluatedAt = performance.now();

/** What activation cost Promptsmith's own code (the host adds its own work around it). */
export interface ActivationCost {
  /** Evaluating the bundle, ms (undefined when not bundled). */
  moduleMs: number | undefined;
  /** activate() itself, ms. */
  activateMs: number;
}

/** The extension's exports: what activation cost, for the e2e suite and for diagnostics. */
export interface PromptsmithExports {
  activation: ActivationCost;
}

export function activate(extensionContext: vscode.ExtensionContext): PromptsmithExports {
  const started = performance.now();
  const ctx = createContext(extensionContext);
  for (const feature of features) feature(ctx);
  const activateMs = performance.now() - started;
  const moduleMs = typeof __promptsmithLoadStart === 'number' ? evaluatedAt - __promptsmithLoadStart : undefined;
  ctx.output.info(`Promptsmith activated in ${activateMs.toFixed(1)} ms${moduleMs === undefined ? '' : ` after its code evaluated in ${moduleMs.toFixed(1)} ms`}`);
  return { activation: { moduleMs, activateMs } };
}

export function deactivate(): void {}
