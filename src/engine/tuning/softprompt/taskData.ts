// The task of a .prompt file, ready for soft prompts: its model folder, labels and verbalizer
// token ids (classification) or the reference field (generation: `promptsmith.task.metric`, the
// loss is the cross-entropy of the reference), and each dataset row rendered through the
// template. Shared by tuning (tuneSoftPrompt) and by evaluating a saved adapter.
import { type ParsedPromptFile, readPromptFile, renderPromptFile, resolveModelRef } from '../../../promptFile/promptFile';
import { contextLengthOf, resolveModelFolder } from '../../runtime/modelFolder';
import { loadTokenizer, type TextTokenizer } from '../../../modelFiles/tokenizer';
import { type DatasetRow, loadDataset } from '../../tasks/dataset';
import { type GenerationMetric, type RawTaskSpec, resolveTaskSpec } from '../../tasks/taskSpec';
import type { BatchExample } from './batchFeeds';
import { promptIds } from './placement';
import { checkDistinctVerbalizers, checkPromptFits, checkRenderedRow, checkRowInputs } from '../../tasks/rowChecks';
import { checkTokenizerUsable } from '../../runtime/modelSanity';
import { readHfConfig } from '../../onnx/export/hfConfig';

export interface RenderedSplit {
  file: string;
  rows: DatasetRow[];
  /** The template rendered for each row (soft prompt slots left as markers). */
  texts: string[];
  /** Generation: each row's reference output. */
  references?: string[];
}

/** A generation task: no labels; each row's `field` holds the output to learn, scored by `metric`. */
export interface GenerationTask {
  metric: GenerationMetric;
  field: string;
}

export interface SoftPromptTask {
  parsed: ParsedPromptFile;
  modelDir: string;
  /** Positions the model takes (config.json), if it says. */
  context?: number;
  tokenizer: TextTokenizer;
  labels: string[];
  /** Per label, its verbalizer (the continuation scored). */
  verbalizers: string[];
  /** Per label, its verbalizer's token ids (no special tokens). */
  classTokens: number[][];
  /** Set for generation tasks (labels, verbalizers and classTokens are then empty). */
  generation?: GenerationTask;
  train?: RenderedSplit;
  dev?: RenderedSplit;
  /** Held-out: loaded for tuning so the result can report it; never selected on. */
  test?: RenderedSplit;
}

async function renderSplit(parsed: ParsedPromptFile, file: string, labels: string[], generation?: GenerationTask): Promise<RenderedSplit> {
  const { rows } = await loadDataset(file, generation ? { requiredFields: [generation.field] } : { labels });
  checkRowInputs(parsed, file, rows);
  const texts: string[] = [];
  for (const row of rows) {
    const { text } = await renderPromptFile(parsed, row.fields);
    checkRenderedRow(file, row, text);
    texts.push(text);
  }
  if (!generation) return { file, rows, texts };
  return { file, rows, texts, references: rows.map((r) => String(r.fields[generation.field])) };
}

/** `devFile` replaces the file's dev set (e.g. `eval --data`); `needTrain` requires a train set. */
export async function loadSoftPromptTask(promptFile: string, options: { needTrain: boolean; devFile?: string }): Promise<SoftPromptTask> {
  const parsed = readPromptFile(promptFile);
  const fatal = parsed.problems.find((p) => p.severity === 'error');
  if (fatal) throw new Error(`${promptFile}: ${fatal.message}`);
  if (!parsed.model) throw new Error(`${promptFile}: no 'model:' in the front matter`);
  const ref = resolveModelRef(parsed.model, promptFile);
  const modelDir = ref.kind === 'folder' ? ref.path : (await resolveModelFolder(ref.id)).dir;
  const spec = resolveTaskSpec(parsed.task as RawTaskSpec | undefined, promptFile, { allowGeneration: true });
  const generation = spec.metric !== undefined && Object.keys(spec.labels).length === 0 ? { metric: spec.metric, field: spec.reference ?? 'output' } : undefined;
  if (options.needTrain && !spec.train) throw new Error(`${promptFile}: promptsmith.task.train is needed for soft prompt tuning`);
  const labels = Object.keys(spec.labels);
  const tokenizer = loadTokenizer(modelDir);
  checkTokenizerUsable(tokenizer, modelDir);
  const classTokens = labels.map((l) => {
    const ids = tokenizer.encode(spec.labels[l]!, { addSpecialTokens: false });
    if (ids.length === 0) throw new Error(`${promptFile}: promptsmith.task.labels.${l} encodes to no tokens`);
    return ids;
  });
  checkDistinctVerbalizers(spec.labels, classTokens, promptFile);
  const devFile = options.devFile ?? spec.dev;
  return {
    parsed,
    modelDir,
    context: contextLengthOf(readHfConfig(modelDir).json),
    tokenizer,
    labels,
    verbalizers: labels.map((l) => spec.labels[l]!),
    classTokens,
    generation,
    train: options.needTrain && spec.train ? await renderSplit(parsed, spec.train, labels, generation) : undefined,
    dev: devFile ? await renderSplit(parsed, devFile, labels, generation) : undefined,
    test: options.needTrain && spec.test ? await renderSplit(parsed, spec.test, labels, generation) : undefined,
  };
}

/** The split's examples with `numVirtualTokens` virtual ids placed (0: the plain template). */
export function splitExamples(task: SoftPromptTask, split: RenderedSplit | undefined, placement: { vocabSize: number; numVirtualTokens: number; slot?: string }): BatchExample[] {
  if (!split) return [];
  const longest = Math.max(0, ...task.classTokens.map((ids) => ids.length));
  return split.texts.map((text, i) => {
    const row = split.rows[i]!;
    const ids = promptIds({ tokenizer: task.tokenizer, ...placement }, text);
    const reference = split.references?.[i];
    if (reference === undefined) {
      checkPromptFits(split.file, row.line, ids.length, longest, task.context);
      return { ids, label: task.labels.indexOf(row.label!) };
    }
    const target = task.tokenizer.encode(reference, { addSpecialTokens: false });
    if (target.length === 0) throw new Error(`${split.file}:${row.line}: the reference output encodes to no tokens`);
    checkPromptFits(split.file, row.line, ids.length, target.length, task.context);
    return { ids, target };
  });
}

