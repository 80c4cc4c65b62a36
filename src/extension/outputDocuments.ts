// Read-only documents that show a generation as it streams: a virtual document per run
// (scheme promptsmith-output), opened beside the prompt, appended to as tokens arrive.
import * as vscode from 'vscode';

export const OUTPUT_SCHEME = 'promptsmith-output';

export class OutputDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private counter = 0;
  /** Coalesces change events: at most one refresh per document every 50 ms while streaming. */
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '(this output is no longer available: run the prompt again)';
  }

  /** Opens a new output document beside the active editor. */
  async open(title: string, header: string): Promise<vscode.Uri> {
    const uri = vscode.Uri.from({ scheme: OUTPUT_SCHEME, path: `/${++this.counter}/${title.replace(/[\\/]/g, '_')}.txt` });
    this.texts.set(uri.toString(), header);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
    return uri;
  }

  append(uri: vscode.Uri, text: string): void {
    const key = uri.toString();
    this.texts.set(key, (this.texts.get(key) ?? '') + text);
    if (this.pending.has(key)) return;
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        this.changed.fire(uri);
      }, 50),
    );
  }

  text(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.changed.dispose();
  }
}
