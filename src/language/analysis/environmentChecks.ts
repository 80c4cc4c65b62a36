// Checks that look outside the .prompt text: dataset files, the model folder, verbalizers
// against the model's tokenizer, partial files. The file system and tokenizer loading are
// passed in, so the language server can cache tokenizers and tests can use real folders.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { cachedSnapshot, defaultHubCacheDir, looksLikeHubId } from '../../modelFiles/hubCache';
import type { SplitRows } from '../../datasets/dataWarnings';
import { checkData, datasetRows } from './dataWarnings';
import type { PromptAnalysis } from './diagnostics';
import { type PromptFileProblem, resolveModelRef, spanOf } from '../../promptFile/promptFile';

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
  /** A (small) dataset's rows for the data warnings; undefined when it cannot or should not be read. */
  readDataset?(file: string): SplitRows | undefined;
}

export function nodeEnvironment(filePath: string | undefined, loadTokenizer: (dir: string) => TokenizerLike, defaultModel?: string): AnalysisEnvironment {
  return {
    filePath,
    defaultModel,
    exists: existsSync,
    listDir(dir) {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
    loadTokenizer,
    readDataset: datasetRows,
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
  const own = analysis.parsed.model;
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
  if (!env.filePath) return [];
  return env
    .listDir(dirname(env.filePath))
    .filter((f) => f.startsWith('_') && f.endsWith('.prompt'))
    .map((f) => f.slice(1, -'.prompt'.length));
}

export function checkEnvironment(analysis: PromptAnalysis, env: AnalysisEnvironment): PromptFileProblem[] {
  const problems: PromptFileProblem[] = [];
  const { parsed } = analysis;
  const base = env.filePath ? dirname(env.filePath) : undefined;
  for (const which of ['train', 'dev', 'test'] as const) {
    const file = parsed.task?.[which];
    if (file === undefined) continue;
    const abs = isAbsolute(file) ? file : base ? resolve(base, file) : undefined;
    if (abs && !env.exists(abs)) {
      const span = spanOf(parsed, ['promptsmith.task', which], 'value')!;
      problems.push({ code: 'dataset-missing', severity: 'error', message: `dataset file not found: ${abs}`, ...span });
    }
  }
  // Not in PromptsmithSoftPrompt's type (tuning requires every typed key); the settings table validates it.
  const adapter = parsed.softPrompt?.adapter;
  const adapterDir = adapter === undefined ? undefined : isAbsolute(adapter) ? adapter : base ? resolve(base, adapter) : undefined;
  if (adapterDir && !env.exists(join(adapterDir, 'adapter_config.json'))) {
    const span = spanOf(parsed, ['promptsmith.softPrompt', 'adapter'], 'value')!;
    problems.push({ code: 'soft-prompt-missing', severity: 'error', message: `soft prompt adapter not found: ${join(adapterDir, 'adapter_config.json')}`, ...span });
  }
  const modelSpan = spanOf(parsed, ['model'], 'value');
  if (parsed.model && modelSpan && (base || isAbsolute(parsed.model))) {
    const ref = resolveModelRef(parsed.model, env.filePath);
    if (ref.kind === 'folder' && !env.exists(ref.path)) {
      problems.push({ code: 'model-not-found', severity: 'warning', message: `model folder not found: ${ref.path}`, ...modelSpan });
    }
  }
  checkVerbalizers(analysis, env, problems);
  if (env.readDataset) problems.push(...checkData(analysis, { filePath: env.filePath, readDataset: env.readDataset, tokenPieces: tokenPieces(analysis, env) }));
  if (base) {
    const available = new Set(partialNames(env));
    for (const ref of analysis.template.partials) {
      if (available.has(ref.name)) continue;
      problems.push({
        code: 'unknown-partial',
        severity: 'warning',
        message: `partial '${ref.name}' not found: Promptsmith looks for _${ref.name}.prompt beside this file`,
        start: parsed.templateOffset + ref.start,
        end: parsed.templateOffset + ref.end,
      });
    }
  }
  return problems;
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
    const span = spanOf(parsed, ['model'], 'value')!;
    problems.push({ code: 'tokenizer-error', severity: 'warning', message: `cannot load the model's tokenizer: ${(err as Error).message}`, ...span });
    return;
  }
  for (const [label, verbalizer] of Object.entries(labels)) {
    const span = spanOf(parsed, ['promptsmith.task', 'labels', label], 'value')!;
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
