// The .prompt language server (separate process, over IPC from the extension or --stdio from any
// editor). It only wires documents to the pure analysis: every failure is logged or becomes a
// diagnostic, never a crash.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  type CodeAction,
  createConnection,
  type Diagnostic,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { loadTokenizer, type TextTokenizer } from '../modelFiles/tokenizer';
import { analyzePromptSource, type PromptAnalysis } from './analysis/diagnostics';
import { checkEnvironment, localTokenizerDir, nodeEnvironment, partialNames, type Restriction } from './analysis/environmentChecks';
import { WORKSPACE_TRUST_NOTIFICATION } from '../protocol/workspaceTrust';
import { LineIndex } from './analysis/lineIndex';
import { codeLenses } from './features/codeLens';
import { foldingRanges } from './features/folding';
import { completionsAt } from './features/completion';
import { formatPromptSource } from './features/formatting';
import { documentLinks, variableDefinition } from './features/navigation';
import { type HoverContext, hoverAt } from './features/hover';
import { toLspDiagnostics } from './features/lspDiagnostics';
import { addVariableToSchema, splitTestSetAction } from './features/quickFix';
import { rangeOf } from './features/ranges';
import { documentSymbols } from './features/symbols';
import { readServerSettings, type ServerSettings } from './serverSettings';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

function log(message: string): void {
  connection.console.error(`[promptsmith] ${message}`);
}

process.on('uncaughtException', (err) => log(`uncaught: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) => log(`unhandled rejection: ${String(err)}`));

/** Runs a handler; a failure is logged and answered with the fallback. */
async function safe<T>(what: string, fallback: T, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    log(`${what} failed: ${(err as Error).stack ?? String(err)}`);
    return fallback;
  }
}

// ---- Analysis cache (one per document version) -------------------------------------------------

interface Analysed {
  version: number;
  analysis: PromptAnalysis;
  index: LineIndex;
}
const cache = new Map<string, Analysed>();

function analysed(document: TextDocument): Analysed {
  const hit = cache.get(document.uri);
  if (hit && hit.version === document.version) return hit;
  const text = document.getText();
  const options = { customHelpers: settings.customHelpers, path: filePathOf(document.uri) };
  const entry = { version: document.version, analysis: analyzeOrExplain(text, options), index: new LineIndex(text) };
  cache.set(document.uri, entry);
  return entry;
}

/** The analysis; if it fails (a bug), a diagnostic that says so, so one file never silences the others. */
function analyzeOrExplain(text: string, options: Parameters<typeof analyzePromptSource>[1]): PromptAnalysis {
  try {
    return analyzePromptSource(text, options);
  } catch (err) {
    log(`analysis failed: ${(err as Error).stack ?? String(err)}`);
    const fallback = analyzePromptSource('');
    fallback.problems.push({ code: 'analysis-failed', severity: 'error', message: `Promptsmith could not analyse this file: ${(err as Error).message}`, start: 0, end: 0 });
    return fallback;
  }
}

function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

// ---- Tokenizers (cached per folder, reloaded when tokenizer.json changes) -------------------------

const tokenizers = new Map<string, { mtimeMs: number; tokenizer?: TextTokenizer; error?: string }>();

function tokenizerFor(dir: string): TextTokenizer {
  const mtimeMs = statSync(`${dir}/tokenizer.json`).mtimeMs;
  let entry = tokenizers.get(dir);
  if (!entry || entry.mtimeMs !== mtimeMs) {
    try {
      entry = { mtimeMs, tokenizer: loadTokenizer(dir) };
    } catch (err) {
      entry = { mtimeMs, error: (err as Error).message };
    }
    tokenizers.set(dir, entry);
  }
  if (entry.error) throw new Error(entry.error);
  return entry.tokenizer!;
}

/** `promptsmith.model` and `promptsmith.customHelpers`, sent by the client at start and on every settings change. */
let settings: ServerSettings = { customHelpers: [] };

/** Set while the workspace is untrusted (the client says so): no model files, nothing outside its folders. */
let restriction: Restriction | undefined;
let workspaceRoots: string[] = [];

function environmentOf(uri: string) {
  return nodeEnvironment(filePathOf(uri), tokenizerFor, settings.model, restriction);
}

/** `trusted: false` from the client (initialization options or the promptsmith/workspaceTrust notification). */
function setTrust(trusted: unknown): void {
  restriction = trusted === false ? { workspaceRoots } : undefined;
}

// ---- Diagnostics (debounced per document; longer for big documents, whose analysis takes longer) ----

const pending = new Map<string, NodeJS.Timeout>();

function scheduleValidation(document: TextDocument): void {
  clearTimeout(pending.get(document.uri));
  pending.set(
    document.uri,
    setTimeout(() => {
      pending.delete(document.uri);
      void validate(document);
    }, 150 + Math.min(2000, document.getText().length / 5000)),
  );
}

async function validate(document: TextDocument): Promise<void> {
  const diagnostics = await safe<Diagnostic[]>('diagnostics', [], () => {
    const { analysis, index } = analysed(document);
    let environment: ReturnType<typeof checkEnvironment> = [];
    try {
      environment = checkEnvironment(analysis, environmentOf(document.uri));
    } catch (err) {
      log(`environment checks failed: ${(err as Error).message}`);
    }
    return toLspDiagnostics([...analysis.problems, ...environment], index);
  });
  if (documents.get(document.uri)?.version !== document.version) return;
  await connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
}

documents.onDidChangeContent((change) => scheduleValidation(change.document));
// A dataset, partial or tokenizer file changed on disk: the environment checks may now differ.
connection.onDidChangeWatchedFiles(() => {
  for (const document of documents.all()) scheduleValidation(document);
});
documents.onDidClose((event) => {
  cache.delete(event.document.uri);
  clearTimeout(pending.get(event.document.uri));
  void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
});

// ---- Features --------------------------------------------------------------------------------------

connection.onDidChangeConfiguration((change) => {
  settings = readServerSettings(change.settings);
  cache.clear(); // the helpers are part of the analysis
  for (const document of documents.all()) scheduleValidation(document);
});

connection.onInitialize((params) => {
  settings = readServerSettings({ promptsmith: params.initializationOptions });
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  workspaceRoots = folders.map(filePathOf).filter((f): f is string => f !== undefined);
  setTrust((params.initializationOptions as { trusted?: unknown } | undefined)?.trusted);
  return {
    capabilities: {
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: ['{', '#', '/', '>', '@', ' ', ':'] },
      hoverProvider: true,
      documentSymbolProvider: true,
      documentFormattingProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      codeLensProvider: { resolveProvider: false },
      foldingRangeProvider: true,
      definitionProvider: true,
      documentLinkProvider: { resolveProvider: false },
    },
    serverInfo: { name: 'promptsmith-dotprompt' },
  };
});

connection.onNotification(WORKSPACE_TRUST_NOTIFICATION, (params: { trusted?: unknown } | undefined) => {
  setTrust(params?.trusted);
  for (const document of documents.all()) scheduleValidation(document);
});

connection.onInitialized(() => {
  connection.workspace?.onDidChangeWorkspaceFolders?.((event) => {
    const removed = new Set(event.removed.map((f) => filePathOf(f.uri)));
    workspaceRoots = [...workspaceRoots.filter((r) => !removed.has(r)), ...event.added.map((f) => filePathOf(f.uri)).filter((f): f is string => f !== undefined)];
    if (restriction) restriction = { workspaceRoots };
  });
});

connection.onCompletion((params) =>
  safe('completion', [], () => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const { analysis, index } = analysed(document);
    return completionsAt(analysis, index.offsetAt(params.position), partialNames(environmentOf(document.uri)));
  }),
);

connection.onHover((params) =>
  safe('hover', null, async () => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return null;
    const { analysis, index } = analysed(document);
    const context = (): HoverContext => {
      const env = environmentOf(document.uri);
      const filePath = env.filePath;
      if (env.modelFilesOff) return { tokenizer: env.modelFilesOff };
      const dir = localTokenizerDir(analysis, env);
      if (!dir) return { tokenizer: 'needs `model:` to be a local model folder (or a downloaded hub model) with a tokenizer.json', baseDir: filePath && dirname(filePath) };
      try {
        return { tokenizer: tokenizerFor(dir), baseDir: filePath && dirname(filePath) };
      } catch (err) {
        return { tokenizer: `cannot load the tokenizer: ${(err as Error).message}` };
      }
    };
    const found = await hoverAt(analysis, index.offsetAt(params.position), context);
    return found ? { ...found.hover, range: rangeOf(index, found.span.start, found.span.end) } : null;
  }),
);

connection.onDocumentSymbol((params) =>
  safe('symbols', [], () => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const { analysis, index } = analysed(document);
    return documentSymbols(analysis, index);
  }),
);

connection.onDocumentFormatting((params) =>
  safe('formatting', [], () => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const { analysis, index } = analysed(document);
    const formatted = formatPromptSource(analysis);
    if (formatted === analysis.parsed.source) return [];
    return [{ range: rangeOf(index, 0, analysis.parsed.source.length), newText: formatted }];
  }),
);

connection.onCodeAction((params) =>
  safe('code actions', [], () => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const { analysis, index } = analysed(document);
    const actions: CodeAction[] = [];
    const done = new Set<string>();
    for (const diagnostic of params.context.diagnostics) {
      if (diagnostic.code === 'no-test-split') actions.push(splitTestSetAction(document.uri, diagnostic));
      if (diagnostic.code !== 'undefined-variable') continue;
      const name = (diagnostic.data as { variable?: string } | undefined)?.variable;
      if (!name || done.has(name)) continue;
      done.add(name);
      const edit = addVariableToSchema(analysis, name);
      if (!edit) continue;
      actions.push({
        title: `Add '${name}' to input.schema`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: true,
        edit: { changes: { [document.uri]: [{ range: rangeOf(index, edit.start, edit.end), newText: edit.newText }] } },
      });
    }
    return actions;
  }),
);

connection.onCodeLens((params) =>
  safe('code lens', [], () => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const { analysis, index } = analysed(document);
    return codeLenses(analysis, document.uri, index);
  }),
);

connection.onFoldingRanges((params) =>
  safe('folding', [], () => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const { analysis, index } = analysed(document);
    return foldingRanges(analysis, index);
  }),
);

connection.onDefinition((params) =>
  safe('definition', null, () => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return null;
    const { analysis, index } = analysed(document);
    const range = variableDefinition(analysis, index.offsetAt(params.position), index);
    return range ? { uri: document.uri, range } : null;
  }),
);

connection.onDocumentLinks((params) =>
  safe('document links', [], () => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const { analysis, index } = analysed(document);
    const env = environmentOf(document.uri);
    return documentLinks(analysis, env.filePath, (path) => (env.mayRead?.(path) ?? true) && existsSync(path), index);
  }),
);

documents.listen(connection);
connection.listen();
