// The task of a .prompt file as discrete-prompt search sees it: each dataset row rendered
// through the template with `{{rlprompt}}` at the slot, as the task model reads it (chat
// template applied), and split there into the text before and after the prompt.
import { dirname } from 'node:path';
import { type ParsedPromptFile, RL_PROMPT_MARKER, readPromptFile, renderPromptFile } from '../../../promptFile/promptFile';
import type { TextTokenizer } from '../../../modelFiles/tokenizer';
import { type DatasetRow, loadDataset } from '../../tasks/dataset';
import { promptTextForModel } from '../../tasks/promptText';
import type { SlotExample } from '../../tasks/taskScorer';
import { type RawTaskSpec, resolveTaskSpec, type TaskSpec } from '../../tasks/taskSpec';
import { type ResolvedSlot, resolveSlot, type SlotRange } from './slot';

export const SPLITS = ['train', 'dev', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface RlSplit {
  file: string;
  rows: DatasetRow[];
  examples: SlotExample[];
}

export interface RlTask {
  promptFile: string;
  parsed: ParsedPromptFile;
  slot: ResolvedSlot;
  spec: TaskSpec;
  /** Label names in class order (classification); [] for generation tasks. */
  labels: string[];
  verbalizers: string[];
  splits: Partial<Record<SplitName, RlSplit>>;
}

/** Reads the file and resolves its slot and task (no model needed yet). */
export function readRlTaskFile(promptFile: string, slotRange?: SlotRange): Pick<RlTask, 'promptFile' | 'parsed' | 'slot' | 'spec' | 'labels' | 'verbalizers'> {
  const parsed = readPromptFile(promptFile);
  const fatal = parsed.problems.find((p) => p.severity === 'error');
  if (fatal) throw new Error(`${promptFile}: ${fatal.message}`);
  const spec = resolveTaskSpec(parsed.task as RawTaskSpec | undefined, promptFile, { allowGeneration: true });
  if (!spec.train) throw new Error(`${promptFile}: promptsmith.task.train is needed for RL prompt tuning`);
  const labels = Object.keys(spec.labels);
  return { promptFile, parsed, slot: resolveSlot(parsed, slotRange), spec, labels, verbalizers: labels.map((l) => spec.labels[l]!) };
}

async function renderSplit(task: Omit<RlTask, 'splits'>, file: string, tokenizer: TextTokenizer | undefined): Promise<RlSplit> {
  const generation = task.spec.metric !== undefined;
  const { rows } = await loadDataset(file, generation ? { requiredFields: [task.spec.reference!] } : { labels: task.labels });
  const withSlot: ParsedPromptFile = { ...task.parsed, template: task.slot.template };
  const examples: SlotExample[] = [];
  for (const row of rows) {
    const rendered = await renderPromptFile(withSlot, row.fields, { baseDir: dirname(task.promptFile), softPromptSlots: 'empty', rlPromptSlot: 'marker' });
    // A remote model sees the messages' text, as `eval` gives it (its server applies its own template).
    const text = tokenizer ? promptTextForModel(rendered, tokenizer) : rendered.text;
    const parts = text.split(RL_PROMPT_MARKER);
    if (parts.length !== 2) throw new Error(`${file}:${row.line}: the rendered prompt has ${parts.length - 1} RL prompt slots (expected one)`);
    let before = parts[0]!;
    // Where the template has a space before the slot, the prompt carries it (" They were"): the
    // text scored is the same, and the prompt's ids join the prefix's exactly.
    if (task.slot.trimBefore && /[ \t]$/.test(before)) before = before.slice(0, -1);
    const example: SlotExample = { before, after: parts[1]! };
    if (generation) example.reference = String(row.fields[task.spec.reference!]);
    else example.label = task.labels.indexOf(row.label!);
    examples.push(example);
  }
  return { file, rows, examples };
}

/** Renders the train/dev/test splits the task names (`tokenizer`: the local task model's; none for a remote one). */
export async function loadRlTask(promptFile: string, tokenizer: TextTokenizer | undefined, slotRange?: SlotRange): Promise<RlTask> {
  const base = readRlTaskFile(promptFile, slotRange);
  const splits: Partial<Record<SplitName, RlSplit>> = {};
  for (const name of SPLITS) {
    const file = base.spec[name];
    if (file) splits[name] = await renderSplit(base, file, tokenizer);
  }
  return { ...base, splits };
}
