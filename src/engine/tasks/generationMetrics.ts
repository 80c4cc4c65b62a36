// Scores of a generated output against a dataset row's reference, for generation tasks
// (`promptsmith.task.metric`): 1 or 0 for exact / contains / regex; the log-likelihood metric
// is the task model's log-probability of the reference itself (TaskScorer.referenceLogprobs).
import type { GenerationMetric } from './taskSpec';

/** Outputs and references compare after trimming surrounding whitespace. */
export function exactMatch(output: string, reference: string): number {
  return output.trim() === reference.trim() ? 1 : 0;
}

export function containsMatch(output: string, reference: string): number {
  return output.includes(reference.trim()) ? 1 : 0;
}

/** The reference is a regular expression (JavaScript syntax) the output must match somewhere. */
export function regexMatch(output: string, pattern: string): number {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (err) {
    throw new Error(`metric regex: the reference ${JSON.stringify(pattern)} is not a valid regular expression (${(err as Error).message})`);
  }
  return re.test(output) ? 1 : 0;
}

/** The 0/1 metrics by name (loglik needs the model, not an output). */
export function textMetric(metric: Exclude<GenerationMetric, 'loglik'>): (output: string, reference: string) => number {
  return { exact: exactMatch, contains: containsMatch, regex: regexMatch }[metric];
}
