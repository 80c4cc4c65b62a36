// Checks that look outside the .prompt text: dataset files, the model folder, verbalizers
// against the model's tokenizer, partial files. The file system and tokenizer loading are
// passed in, so the language server can cache tokenizers and tests can use real folders.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { cachedSnapshot, defaultHubCacheDir, looksLikeHubId } from '../../modelFiles/hubCache';
import type { SplitRows } from '../../datasets/dataWarnings';
import { checkData, datasetRows } from './dataWarnings';
import type { PromptAnalysis } from './diagnostics';
import { describeRemoteModel, remoteModelOf } from '../../promptFile/modelIds';
import { type PromptFileProblem, resolveModelRef, spanNear, spanOf } from '../../promptFile/promptFile';
import { partialFile } from '../../promptFile/partials';
import { isInsideFolder } from '../../modelFiles/confinedPath';

/** The part of the runtime's TextTokenizer the analysis needs. */
export interface TokenizerLike {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  readonly unkId: number | undefined;
  idToToken?(id: number): string | undefined;
}

export interface AnalysisEnvironment {
  /** Absolute path of the .prompt file; undefined for unsaved documents. */
  filePath?: string;
  exists(path: string): boolean;
  /** Names of the files in a folder ([] when it cannot be read). */
  listDir(dir: string): string[];
  /** Loads a model folder's tokenizer; throws a one-line error. */
  loadTokenizer(modelDir: string): TokenizerLike;
  /** The local folder of a hub id already in the cache (never downloads), if any. */
  cachedModelDir?(id: string): string | undefined;
  /** The `promptsmith.model` setting, used when a file has no `model:` (absolute folder or hub id). */
  defaultModel?: string;
  /** Whether a path may be looked at; absent: any. An untrusted workspace allows only its own folders. */
  mayRead?(path: string): boolean;
  /** Why no model file (tokenizer, chat template) is read here, when none is (an untrusted workspace). */
  modelFilesOff?: string;
  /** A (small) dataset's rows for the data warnings; undefined when it cannot or should not be read. */
  readDataset?(file: string): SplitRows | undefined;
}

/** What an untrusted (Restricted Mode) workspace allows the analysis to read. */
export interface Restriction {
  /** The workspace folders: paths outside them are never looked at. */
  workspaceRoots: readonly string[];
}

export const RESTRICTED_MODEL_FILES = 'not read in an untrusted workspace (Restricted Mode): trust the workspace to see token counts and tokenizer checks';

export function nodeEnvironment(filePath: string | undefined, loadTokenizer: (dir: string) => TokenizerLike, defaultModel?: string, restriction?: Restriction): AnalysisEnvironment {
  const mayRead = restriction && ((path: string) => restriction.workspaceRoots.some((root) => isInsideFolder(root, path)));
  return {
    filePath,
    defaultModel,
    mayRead,
    modelFilesOff: restriction && RESTRICTED_MODEL_FILES,
    exists: existsSync,
    listDir(dir) {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
    loadTokenizer,
    // An untrusted workspace's data checks read only its own datasets.
    readDataset: (file) => (mayRead && !mayRead(file) ? undefined : datasetRows(file)),
    cachedModelDir(id) {
      if (!looksLikeHubId(id)) return undefined;
      try {
        return cachedSnapshot(defaultHubCacheDir(), id)?.dir;
      } catch {
        return undefined;
      }
    },
  };
}

/** The model folder a file refers to, when it is local (a folder, or a hub id in the cache) with a tokenizer.json. */
export function localTokenizerDir(analysis: PromptAnalysis, env: AnalysisEnvironment): string | undefined {
  if (env.modelFilesOff) return undefined;
  // A hosted model (googleai/…) runs on the default model here: token counts come from that one.
  const own = analysis.parsed.model && !remoteModelOf(analysis.parsed.model) ? analysis.parsed.model : undefined;
  const model = own ?? env.defaultModel;
  if (!model) return undefined;
  // A relative folder needs the file's folder (the setting's folders must be absolute).
  if (!isAbsolute(model) && (!own || !env.filePath) && resolveModelRef(model, undefined).kind === 'folder') return undefined;
  const ref = resolveModelRef(model, own ? env.filePath : undefined);
  const dir = ref.kind === 'id' ? env.cachedModelDir?.(ref.id) : ref.path;
  return dir && env.exists(join(dir, 'tokenizer.json')) ? dir : undefined;
}

/** Partial names available beside the file (`_name.prompt`). */
export function partialNames(env: AnalysisEnvironment): string[] {
  if (!env.filePath || !mayRead(env, dirname(env.filePath))) return [];
  return env
    .listDir(dirname(env.filePath))
    .filter((f) => f.startsWith('_') && f.endsWith('.prompt'))
    .map((f) => f.slice(1, -'.prompt'.length));
}

export function checkEnvironment(analysis: PromptAnalysis, env: AnalysisEnvironment): PromptFileProblem[] {
  const problems: PromptFileProblem[] = [];
  const { parsed } = analysis;
  if (analysis.foreignFormat) return problems;
  const base = env.filePath ? dirname(env.filePath) : undefined;
  for (const which of ['train', 'dev', 'test'] as const) {
    const file = parsed.task?.[which];
    if (file === undefined) continue;
    const abs = isAbsolute(file) ? file : base ? resolve(base, file) : undefined;
    if (abs && mayRead(env, abs) && !env.exists(abs)) {
      const span = spanNear(parsed, ['promptsmith.task', which], 'value');
      problems.push({ code: 'dataset-missing', severity: 'error', message: `dataset file not found: ${abs}`, ...span });
    }
  }
  // Not in PromptsmithSoftPrompt's type (tuning requires every typed key); the settings table validates it.
  const adapter = parsed.softPrompt?.adapter;
  const adapterDir = adapter === undefined ? undefined : isAbsolute(adapter) ? adapter : base ? resolve(base, adapter) : undefined;
  if (adapterDir && mayRead(env, adapterDir) && !env.exists(join(adapterDir, 'adapter_config.json'))) {
    const span = spanNear(parsed, ['promptsmith.softPrompt', 'adapter'], 'value');
    problems.push({ code: 'soft-prompt-missing', severity: 'error', message: `soft prompt adapter not found: ${join(adapterDir, 'adapter_config.json')}`, ...span });
  }
  const modelSpan = spanOf(parsed, ['model'], 'value');
  const remote = parsed.model ? remoteModelOf(parsed.model) : undefined;
  if (remote && modelSpan) {
    const fallback = env.defaultModel && !remoteModelOf(env.defaultModel) ? env.defaultModel : undefined;
    const message = fallback
      ? `${describeRemoteModel(parsed.model!, remote)}: here it runs on promptsmith.model (${fallback})`
      : `${describeRemoteModel(parsed.model!, remote)}: set promptsmith.model (or pass --model) to run it here`;
    // Not a mistake in a Genkit project, so never louder than information.
    problems.push({ code: 'remote-model', severity: 'information', message, ...modelSpan });
  } else if (parsed.model && modelSpan && (base || isAbsolute(parsed.model))) {
    const ref = resolveModelRef(parsed.model, env.filePath);
    if (ref.kind === 'folder' && mayRead(env, ref.path) && !env.exists(ref.path)) {
      problems.push({ code: 'model-not-found', severity: 'warning', message: `model folder not found: ${ref.path}`, ...modelSpan });
    }
  }
  checkVerbalizers(analysis, env, problems);
  if (env.readDataset) problems.push(...checkData(analysis, { filePath: env.filePath, readDataset: env.readDataset, tokenPieces: tokenPieces(analysis, env) }));
  if (base) {
    const listed = mayRead(env, base);
    const available = new Set(partialNames(env));
    for (const ref of analysis.template.partials) {
      const where = { start: parsed.templateOffset + ref.start, end: parsed.templateOffset + ref.end };
      try {
        partialFile(base, ref.name);
      } catch (err) {
        problems.push({ code: 'partial-outside-folder', severity: 'error', message: (err as Error).message, ...where });
        continue;
      }
      if (!listed || available.has(ref.name)) continue;
      problems.push({ code: 'unknown-partial', severity: 'warning', message: `partial '${ref.name}' not found: Promptsmith looks for _${ref.name}.prompt beside this file`, ...where });
    }
  }
  return problems;
}

function mayRead(env: AnalysisEnvironment, path: string): boolean {
  return env.mayRead?.(path) ?? true;
}

function checkVerbalizers(analysis: PromptAnalysis, env: AnalysisEnvironment, problems: PromptFileProblem[]): void {
  const { parsed } = analysis;
  const labels = parsed.task?.labels;
  if (!labels || Object.keys(labels).length === 0) return;
  const dir = localTokenizerDir(analysis, env);
  if (!dir) return;
  let tokenizer: TokenizerLike;
  try {
    tokenizer = env.loadTokenizer(dir);
  } catch (err) {
    const span = spanNear(parsed, ['model'], 'value');
    problems.push({ code: 'tokenizer-error', severity: 'warning', message: `cannot load the model's tokenizer: ${(err as Error).message}`, ...span });
    return;
  }
  for (const [label, verbalizer] of Object.entries(labels)) {
    const span = spanNear(parsed, ['promptsmith.task', 'labels', label], 'value');
    let ids: number[];
    try {
      ids = tokenizer.encode(verbalizer, { addSpecialTokens: false });
    } catch (err) {
      problems.push({ code: 'verbalizer-unencodable', severity: 'error', message: `verbalizer of '${label}' cannot be encoded: ${(err as Error).message}`, ...span });
      continue;
    }
    if (ids.length === 0) {
      problems.push({ code: 'verbalizer-unencodable', severity: 'error', message: `verbalizer of '${label}' encodes to no tokens`, ...span });
    } else if (tokenizer.unkId !== undefined && ids.includes(tokenizer.unkId)) {
      problems.push({
        code: 'verbalizer-unencodable',
        severity: 'error',
        message: `verbalizer of '${label}' has characters the model's tokenizer cannot encode (unknown token)`,
        ...span,
      });
    }
  }
}

/** Spells a text as the model's tokenizer splits it, when that tokenizer is local and loads. */
function tokenPieces(analysis: PromptAnalysis, env: AnalysisEnvironment): ((text: string) => string[]) | undefined {
  const dir = localTokenizerDir(analysis, env);
  if (!dir) return undefined;
  try {
    const tokenizer = env.loadTokenizer(dir);
    return (text) => tokenizer.encode(text, { addSpecialTokens: false }).map((id) => tokenizer.idToToken?.(id) ?? `<${id}>`);
  } catch {
    return undefined;
  }
}
