// Registers the .prompt language client (languageClientStart.ts) to start right after activation,
// and the Restart Language Server command (registered at once, like every manifest command).
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PromptsmithContext } from './context';
import type { startLanguageClient } from './languageClientStart';

/**
 * Starts the client after activation returns. The client library is half of the extension's
 * code, so it is its own bundle (dist/languageClient.js), loaded here rather than parsed at
 * activation; nothing waits for it (the server answers once it is up).
 */
export function registerLanguageClient(ctx: PromptsmithContext): void {
  const started = new Promise<Awaited<ReturnType<typeof startLanguageClient>>>((resolve, reject) => {
    setImmediate(() => {
      // A runtime path, so the bundler leaves the require to run time.
      const bundle = join(ctx.vscode.extensionPath, 'dist', 'languageClient.js');
      const start = (require(bundle) as { startLanguageClient: typeof startLanguageClient }).startLanguageClient;
      start(ctx).then(resolve, reject);
    });
  });
  started.catch((err: unknown) => ctx.output.error(`The .prompt language server did not start: ${err instanceof Error ? err.message : String(err)}`));
  ctx.own(
    vscode.commands.registerCommand('promptsmith.restartLanguageServer', async () => {
      try {
        await (await started).restart();
        ctx.output.info('The .prompt language server was restarted');
      } catch (err) {
        void vscode.window.showErrorMessage(`Promptsmith: the language server did not restart: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
}
