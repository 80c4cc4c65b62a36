// The .prompt language client proper: its own bundle (dist/languageClient.js), required by
// languageClient.ts after activation. The server (dist/server.js) runs as a separate process over
// IPC for `dotprompt` documents; its CodeLens commands carry the document URI as a string, which
// the middleware turns into a vscode.Uri, as VS Code's own menus pass it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { WORKSPACE_TRUST_NOTIFICATION } from '../protocol/workspaceTrust';
import type { PromptsmithContext } from './context';

export async function startLanguageClient(ctx: PromptsmithContext): Promise<LanguageClient> {
  const serverModule = ctx.vscode.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'dotprompt' },
      { scheme: 'untitled', language: 'dotprompt' },
    ],
    outputChannel: ctx.output,
    // Datasets, partials and tokenizers appearing or changing re-run the file checks.
    synchronize: {
      fileEvents: ctx.own(vscode.workspace.createFileSystemWatcher('**/*.{jsonl,csv,prompt,json}')),
      // `promptsmith.model` is the model of files without `model:` (token counts, verbalizer checks).
      configurationSection: 'promptsmith',
    },
    // An untrusted workspace: the server reads no model files and nothing outside its folders.
    initializationOptions: {
      model: vscode.workspace.getConfiguration('promptsmith').get<string>('model') ?? '',
      customHelpers: vscode.workspace.getConfiguration('promptsmith').get<string[]>('customHelpers') ?? [],
      trusted: vscode.workspace.isTrusted,
    },
    middleware: {
      async provideCodeLenses(document, token, next) {
        const lenses = await next(document, token);
        for (const lens of lenses ?? []) {
          if (lens.command?.arguments) lens.command.arguments = lens.command.arguments.map((a: unknown) => (typeof a === 'string' ? vscode.Uri.parse(a) : a));
        }
        return lenses;
      },
    },
  };
  // The id makes `promptsmith.trace.server` the trace setting (vscode-languageclient reads `<id>.trace.server`).
  const client = new LanguageClient('promptsmith', 'Promptsmith .prompt language server', serverOptions, clientOptions);
  ctx.own({ dispose: () => void client.stop().catch(() => undefined) });
  ctx.own(vscode.workspace.onDidGrantWorkspaceTrust(() => void client.sendNotification(WORKSPACE_TRUST_NOTIFICATION, { trusted: true }).catch(() => undefined)));
  await client.start();
  return client;
}
