// Where the shared test data lives for the runtime tests (../shared beside the repository).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const repoRoot = process.cwd();
export const storiesHf = resolve(repoRoot, '../shared/models/stories260k-hf');
export const haveStories = existsSync(resolve(storiesHf, 'config.json'));
export const skipNoStories = haveStories ? false : `shared model folder absent: ${storiesHf}`;

export interface StoriesReference {
  greedy_from_bos: number[];
  greedy_text: string;
  logits_pos0_top10: [number, number][];
  encode_cases: { text: string; ids: number[] }[];
  prompt_logprob_case: { text: string; ids: number[]; next_token_logprobs_top5: [number, number][] };
}

export function storiesReference(): StoriesReference {
  return JSON.parse(readFileSync(resolve(storiesHf, 'reference.json'), 'utf8')) as StoriesReference;
}
