// The data a fine-tuning run trains and measures on, from a .prompt file:
// - classification (the task has labels): each row rendered through the template, scored by its
//   verbalizers exactly as soft prompts are (softprompt/taskData.ts, n = 0 virtual tokens);
// - generation (no labels): the rendered template is the prompt and the row's `target` field
//   (default `output`) the reference continuation, learnt with the LM loss (+ EOS);
// - a corpus (`corpus:` setting; JSONL with `text` or plain text): the LM loss on every token of
//   fixed-length windows, every 10th window held out as dev.
// train/dev/test come from promptsmith.task; test is only ever reported.
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { type ParsedPromptFile, readPromptFile, renderPromptFile, resolveModelRef } from '../../../promptFile/promptFile';
import { isPlainObject } from '../../../promptFile/promptsmithSettings';
import { loadTokenizer, type TextTokenizer } from '../../../modelFiles/tokenizer';
import { loadDataset } from '../../tasks/dataset';
import type { BatchExample } from '../softprompt/batchFeeds';
import { promptIds } from '../softprompt/placement';
import { loadSoftPromptTask, splitExamples } from '../softprompt/taskData';
import type { ObjectiveKind } from './evaluation';
import type { FineTuneSettings } from './settings';

export interface FineTuneTask {
  kind: ObjectiveKind;
  parsed: ParsedPromptFile;
  /** The model folder (absolute). */
  modelDir: string;
  /** What PEFT's base_model_name_or_path should say: the absolute folder, or the hub id. */
  baseModel: string;
  tokenizer: TextTokenizer;
  labels: string[];
  classTokens: number[][];
  train: BatchExample[];
  dev: BatchExample[];
  /** Empty when the task has no test split. */
  test: BatchExample[];
  files: { train?: string; dev?: string; test?: string };
}

/** promptsmith.task's dataset paths, absolute (the front matter's values, already validated). */
function taskFiles(parsed: ParsedPromptFile, promptFile: string): { train?: string; dev?: string; test?: string } {
  const abs = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(dirname(promptFile), p));
  return { train: abs(parsed.task?.train), dev: abs(parsed.task?.dev), test: abs(parsed.task?.test) };
}

function hasLabels(parsed: ParsedPromptFile): boolean {
  return Object.keys(parsed.task?.labels ?? {}).length > 0;
}

export async function loadFineTuneTask(promptFile: string, settings: Pick<FineTuneSettings, 'corpus' | 'target' | 'maxLength'>): Promise<FineTuneTask> {
  const parsed = readPromptFile(promptFile);
  const fatal = parsed.problems.find((p) => p.severity === 'error');
  if (fatal) throw new Error(`${promptFile}: ${fatal.message}`);
  if (!parsed.model) throw new Error(`${promptFile}: no 'model:' in the front matter`);
  const ref = resolveModelRef(parsed.model, promptFile);
  const files = taskFiles(parsed, promptFile);

  if (hasLabels(parsed) && !settings.corpus) {
    const task = await loadSoftPromptTask(promptFile, { needTrain: true });
    const vocabSize = task.tokenizer.vocabSize;
    const examples = (split: Parameters<typeof splitExamples>[1]) => splitExamples(task, split, { vocabSize, numVirtualTokens: 0 });
    return {
      kind: 'classification',
      parsed,
      modelDir: task.modelDir,
      baseModel: ref.kind === 'folder' ? ref.path : ref.id,
      tokenizer: task.tokenizer,
      labels: task.labels,
      classTokens: task.classTokens,
      train: examples(task.train),
      dev: examples(task.dev),
      test: examples(task.test),
      files,
    };
  }

  if (ref.kind !== 'folder') throw new Error(`${promptFile}: fine tuning needs a local model folder with model.safetensors, not the hub id '${ref.id}'`);
  const tokenizer = loadTokenizer(ref.path);
  const common = { kind: 'generation' as const, parsed, modelDir: ref.path, baseModel: ref.path, tokenizer, labels: [], classTokens: [] };
  if (settings.corpus) {
    const file = isAbsolute(settings.corpus) ? settings.corpus : resolve(dirname(promptFile), settings.corpus);
    const windows = corpusWindows(file, tokenizer, settings.maxLength);
    if (windows.length < 2) throw new Error(`${file}: the corpus gives ${windows.length} window(s) of ${settings.maxLength} tokens; training needs at least 2`);
    return { ...common, train: windows.filter((_, i) => i % 10 !== 9), dev: windows.filter((_, i) => i % 10 === 9), test: [], files: { train: file } };
  }
  if (!files.train) throw new Error(`${promptFile}: promptsmith.task.train is needed for fine tuning (or promptsmith.finetune.corpus)`);
  const split = async (file: string | undefined) => (file ? generationExamples(parsed, file, tokenizer, settings.target) : []);
  return { ...common, train: await split(files.train), dev: await split(files.dev), test: await split(files.test), files };
}

/** Rows rendered as prompts, each with its `target` field (+ EOS) as the continuation to learn. */
async function generationExamples(parsed: ParsedPromptFile, file: string, tokenizer: TextTokenizer, target: string): Promise<BatchExample[]> {
  const { rows } = await loadDataset(file, { requiredFields: [target] });
  const eos = tokenizer.eosId;
  const out: BatchExample[] = [];
  for (const row of rows) {
    const text = (await renderPromptFile(parsed, row.fields)).text;
    const ids = tokenizer.encode(String(row.fields[target]), { addSpecialTokens: false });
    if (eos !== undefined) ids.push(eos);
    if (ids.length === 0) throw new Error(`${file}:${row.line}: field '${target}' encodes to no tokens`);
    out.push({ ids: promptIds({ tokenizer, vocabSize: tokenizer.vocabSize, numVirtualTokens: 0 }, text), target: ids });
  }
  return out;
}

/** The corpus's documents tokenized (BOS each), joined and cut into windows of `length` tokens. */
export function corpusWindows(file: string, tokenizer: TextTokenizer, length: number): BatchExample[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the corpus (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const docs: string[] = [];
  if (extname(file).toLowerCase() === '.jsonl') {
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (err) {
        throw new Error(`${file}:${i + 1}: invalid JSON (${(err as Error).message})`);
      }
      if (!isPlainObject(row) || typeof row.text !== 'string') throw new Error(`${file}:${i + 1}: expected an object with a string field 'text'`);
      docs.push(row.text);
    });
  } else {
    docs.push(...text.split(/\r?\n\s*\r?\n/).filter((d) => d.trim() !== ''));
  }
  const stream = docs.flatMap((d) => tokenizer.encode(d, { addSpecialTokens: true }));
  const windows: BatchExample[] = [];
  for (let at = 0; at + 2 <= stream.length; at += length) {
    const w = stream.slice(at, at + length);
    if (w.length < 2) break;
    windows.push({ ids: w.slice(0, 1), target: w.slice(1) });
  }
  return windows;
}
