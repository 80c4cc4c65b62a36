// `promptsmith eval <file.prompt> [--data FILE]`: accuracy of the prompt on its task's dev set
// (or any labelled JSONL/CSV), per-label metrics, the worst rows, and the calibrated accuracy.
import { resolve } from 'node:path';
import type { PromptEvaluation } from '../../engine/tasks/evaluatePromptFile';
import { formatEvaluation } from '../../engine/tasks/formatEvaluation';
import { toJson } from '../../protocol/guards';
import { UsageError } from '../args';
import type { CliCommand } from '../command';
import { deviceFromFlags, modelFlags, withEngine } from '../engineForCli';

export const evalCommand: CliCommand = {
  name: 'eval',
  usage: 'eval <file.prompt> [--data FILE] [--model M] [--device D] [--record] [--json]',
  summary: 'Evaluate a prompt on its task dataset',
  flags: {
    data: { kind: 'string', description: 'labelled JSONL/CSV overriding the task’s dev set' },
    model: { kind: 'string', description: "override the file's model" },
    record: { kind: 'boolean', description: 'record the evaluation as a run in ./.promptsmith/runs' },
    ...modelFlags,
  },
  async run(args) {
    const [file, ...extra] = args.positionals;
    if (!file) throw new UsageError('missing <file.prompt>');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const f = args.flags;
    const json = f['json'] === true;
    const result = (await withEngine((client, signal) =>
      client.request(
        'evaluate',
        toJson({
          promptFile: resolve(file),
          data: typeof f['data'] === 'string' ? resolve(f['data']) : undefined,
          model: f['model'] as string | undefined,
          device: deviceFromFlags(f),
          cacheDir: f['cache-dir'] as string | undefined,
          offline: f['offline'] === true || undefined,
          workspaceDir: f['record'] === true ? process.cwd() : undefined,
        }),
        {
          signal,
          onEvent: (event) => {
            const e = event as { type?: string; step?: number; totalSteps?: number };
            if (!json && e.type === 'progress') process.stderr.write(`\revaluating ${e.step}/${e.totalSteps}`);
          },
        },
      ),
    )) as unknown as PromptEvaluation;
    if (json) {
      const { worst, ...rest } = result;
      process.stdout.write(`${JSON.stringify({ ...rest, worst: worst.map(({ line, gold, predicted, probs }) => ({ line, gold, predicted, probs })) })}\n`);
    } else {
      process.stderr.write('\n');
      process.stdout.write(`${formatEvaluation(result)}\n`);
    }
    return 0;
  },
};
