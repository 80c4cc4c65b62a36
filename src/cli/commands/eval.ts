// `promptsmith eval <file.prompt> [--data FILE]`: accuracy of the prompt on its task's dev set
// (or any labelled JSONL/CSV), per-label metrics, the worst rows, and the calibrated accuracy.
import { resolve } from 'node:path';
import { formatEvaluation } from '../../engine/tasks/formatEvaluation';
import type { CliCommand } from '../command';
import { withEngine } from '../engineForCli';
import { promptFileFlags, promptFileRequest } from '../promptFileFlags';

export const evalCommand: CliCommand = {
  name: 'eval',
  usage: 'eval <file.prompt> [--data FILE] [--soft-prompt DIR | --no-soft-prompt] [--model M [--endpoint URL]] [--device D] [--record] [--json]',
  summary: 'Evaluate a prompt on its task dataset',
  flags: {
    data: { kind: 'string', description: 'labelled JSONL/CSV overriding the task’s dev set' },
    record: { kind: 'boolean', description: 'record the evaluation as a run in ./.promptsmith/runs' },
    ...promptFileFlags,
  },
  async run(args) {
    const { request } = promptFileRequest(args);
    const f = args.flags;
    const json = f['json'] === true;
    const result = await withEngine((client, signal) =>
      client.request(
        'evaluate',
        {
          ...request,
          data: typeof f['data'] === 'string' ? resolve(f['data']) : undefined,
          workspaceDir: f['record'] === true ? process.cwd() : undefined,
        },
        {
          signal,
          onEvent: (e) => {
            if (!json && e.type === 'progress') process.stderr.write(`\revaluating ${e.step}/${e.totalSteps}`);
          },
        },
      ),
    );
    if (json) {
      const { worst, ...rest } = result;
      process.stdout.write(`${JSON.stringify({ ...rest, worst: worst.map(({ line, gold, predicted, probs }) => ({ line, gold, predicted, probs })) })}\n`);
    } else {
      process.stderr.write('\n');
      process.stdout.write(`${formatEvaluation(result)}\n`);
      if (result.soft_prompt !== undefined) {
        const manual = ((result.manual_accuracy ?? 0) * 100).toFixed(1);
        process.stdout.write(`soft prompt ${result.soft_prompt} (${result.num_virtual_tokens} virtual tokens); the template without it: ${manual}%\n`);
      }
    }
    return 0;
  },
};
