// Run records written anywhere in the workspace (this window, the CLI, another window): one
// watcher on `.promptsmith/runs/*/run.json` that calls back once a burst of writes has settled.
import * as vscode from 'vscode';

export function watchRunRecords(onChange: () => void, settleMs = 300): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher('**/.promptsmith/runs/*/run.json');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, settleMs);
  };
  return vscode.Disposable.from(
    watcher,
    watcher.onDidCreate(soon),
    watcher.onDidChange(soon),
    watcher.onDidDelete(soon),
    new vscode.Disposable(() => timer && clearTimeout(timer)),
  );
}
