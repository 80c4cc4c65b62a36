// The one object that owns the extension's state and disposables. Features receive it instead
// of reaching for globals, so tests and deactivation see everything in one place.
import * as vscode from 'vscode';

export interface PromptsmithContext {
  readonly vscode: vscode.ExtensionContext;
  readonly output: vscode.LogOutputChannel;
  /** Registers something to dispose on deactivation; returns it for chaining. */
  own<T extends vscode.Disposable>(disposable: T): T;
}

export function createContext(extensionContext: vscode.ExtensionContext): PromptsmithContext {
  const output = vscode.window.createOutputChannel('Promptsmith', { log: true });
  extensionContext.subscriptions.push(output);
  return {
    vscode: extensionContext,
    output,
    own(disposable) {
      extensionContext.subscriptions.push(disposable);
      return disposable;
    },
  };
}
