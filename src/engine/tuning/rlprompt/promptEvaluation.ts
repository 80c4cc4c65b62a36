// The accuracy a discovered prompt really has: its text written into the .prompt file's slot,
// the file rendered for every row and re-tokenized as written, scored the way `eval` scores
// (evaluatePromptFile: the summed log-prob of each verbalizer after the rendered prompt). What
// a user applies is what was measured, whatever the search's id-level shortcuts were.
import { dirname } from 'node:path';
import { parsePromptFile, renderPromptFile } from '../../../promptFile/promptFile';
import type { LanguageModel } from '../../runtime/languageModel';
import { score } from '../../runtime/scoring';
import { labelProbabilities } from '../../tasks/evaluate';
import { argmaxLabel } from '../../tasks/metrics';
import { promptTextForModel } from '../../tasks/promptText';
import type { TaskScorer } from '../../tasks/taskScorer';
import type { RlSplit, RlTask } from './rlTask';
import { applyPromptText, scoringText } from './slot';
import type { PromptScorer } from './taskReward';

/** Rows per scoring call (each row is scored against every label). */
const CHUNK = 32;

/**
 * Accuracy of `text` in the slot on `split`. Causal classification goes through the file exactly
 * as `eval` does; masked LMs, generation tasks and remote models through the task scorer with the
 * text re-tokenized (a remote model: the rendered text with the prompt applied, as `eval` sends it).
 */
export async function accuracyWithText(task: RlTask, split: RlSplit, text: string, model: LanguageModel | undefined, fallback: { scorer: TaskScorer; score: PromptScorer }, signal?: AbortSignal): Promise<number> {
  if (model?.kind === 'causal' && task.spec.metric === undefined) {
    const parsed = parsePromptFile(applyPromptText(task.parsed.source, task.slot, text));
    parsed.path = task.promptFile;
    let right = 0;
    for (let start = 0; start < split.rows.length; start += CHUNK) {
      signal?.throwIfAborted();
      const rows = split.rows.slice(start, start + CHUNK);
      const prompts: string[] = [];
      for (const row of rows) prompts.push(promptTextForModel(await renderPromptFile(parsed, row.fields, { baseDir: dirname(task.promptFile), softPromptSlots: 'empty' }), model.tokenizer));
      const probs = await labelProbabilities(prompts, task.spec.labels, async (ps, cs, s) => (await score(model, ps, cs, { signal: s })).items.map((i) => i.logprob), signal);
      rows.forEach((row, i) => {
        if (argmaxLabel(probs[i]!, task.labels) === row.label) right++;
      });
    }
    return right / split.rows.length;
  }
  const [result] = await fallback.score([{ text: scoringText(task.slot, text) }], split.examples, signal);
  return result!.accuracy;
}
