// `promptsmith split <file.prompt> [--fraction F] [--seed S]`: holds out a test set for a task
// that has none. Rows of train and dev are grouped by near-duplicates (same sentence up to a
// name, number or pronoun) and whole groups move to a new test file beside the training set;
// train and dev lose those rows and `test:` is added to promptsmith.task. Files are written whole
// (temp file + rename); the .prompt file last, so a failure leaves the task as it was.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DatasetError } from '../../datasets/datasetFile';
import { planTestSplit, TestSplitError } from '../../datasets/testSplit';
import { parsePromptFile } from '../../promptFile/promptFile';
import { writeFileAtomic } from '../../runs/atomicFile';
import { UsageError, promptFileArgument } from '../args';
import type { CliCommand } from '../command';

export const splitCommand: CliCommand = {
  name: 'split',
  usage: 'split <file.prompt> [--fraction F] [--seed S] [--dry-run]',
  summary: 'Hold out a test set (near-duplicate rows kept on one side) and add it to the task',
  flags: {
    fraction: { kind: 'number', description: 'share of the train+dev rows to hold out (default 0.2)' },
    seed: { kind: 'number', description: 'which groups are drawn (default 0)' },
    'dry-run': { kind: 'boolean', description: 'say what would move, write nothing' },
  },
  async run(args) {
    const file = promptFileArgument(args);
    const fraction = args.flags['fraction'] as number | undefined;
    if (fraction !== undefined && !(fraction > 0 && fraction < 1)) throw new UsageError(`--fraction must be between 0 and 1, got ${fraction}`);
    const seed = args.flags['seed'] as number | undefined;
    if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seed}`);
    const path = resolve(file);
    let source: string;
    try {
      source = readFileSync(path, 'utf8');
    } catch (err) {
      process.stderr.write(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})\n`);
      return 1;
    }
    const parsed = parsePromptFile(source);
    let plan: ReturnType<typeof planTestSplit>;
    try {
      plan = planTestSplit(parsed, path, { fraction, seed });
    } catch (err) {
      if (!(err instanceof TestSplitError) && !(err instanceof DatasetError)) throw err;
      process.stderr.write(`${(err as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`${plan.summary}\n`);
    if (args.flags['dry-run'] === true) return 0;
    for (const change of plan.files) writeFileAtomic(change.path, change.text);
    const { start, end, newText } = plan.frontMatterEdit;
    writeFileAtomic(path, source.slice(0, start) + newText + source.slice(end));
    process.stdout.write(`wrote ${plan.files.map((f) => f.path).join(', ')} and added test: to ${path}\n`);
    return 0;
  },
};
