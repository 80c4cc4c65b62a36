// Registers the .prompt language client (languageClientStart.ts) to start right after activation.
import { join } from 'node:path';
import type { PromptsmithContext } from './context';
import type { startLanguageClient } from './languageClientStart';

/**
 * Starts the client after activation returns. The client library is half of the extension's
 * code, so it is its own bundle (dist/languageClient.js), loaded here rather than parsed at
 * activation; nothing waits for it (the server answers once it is up).
 */
export function registerLanguageClient(ctx: PromptsmithContext): void {
  setImmediate(() => {
    // A runtime path, so the bundler leaves the require to run time.
    const bundle = join(ctx.vscode.extensionPath, 'dist', 'languageClient.js');
    const start = (require(bundle) as { startLanguageClient: typeof startLanguageClient }).startLanguageClient;
    start(ctx).catch((err: unknown) => ctx.output.error(`The .prompt language server did not start: ${err instanceof Error ? err.message : String(err)}`));
  });
}

