// `promptsmith tune soft <file.prompt>`: soft prompt tuning (Lester et al. 2021) of the file's
// model on its task, saved as a PEFT adapter. --json: one JSON event per line on stdout.
// Ctrl-C stops after the current step and writes a checkpoint that --resume continues.
import { parseDevice } from '../../engine/runtime/executionProviders';
import { type TuneSoftEvent, tuneSoftPrompt } from '../../engine/tuning/softprompt/tuneSoftPrompt';
import type { PromptsmithSoftPrompt } from '../../language/analysis/promptFile';
import { type ParsedArgs, UsageError } from '../args';
import type { CliCommand } from '../command';

const str = (args: ParsedArgs, name: string) => args.flags[name] as string | undefined;
const num = (args: ParsedArgs, name: string) => args.flags[name] as number | undefined;

function overridesOf(args: ParsedArgs): Partial<PromptsmithSoftPrompt> {
  const init = str(args, 'init');
  if (init !== undefined && !['RANDOM', 'SAMPLE_VOCAB', 'TEXT'].includes(init)) throw new UsageError(`--init must be RANDOM, SAMPLE_VOCAB or TEXT, got '${init}'`);
  const optimizer = str(args, 'optimizer');
  if (optimizer !== undefined && optimizer !== 'adam' && optimizer !== 'adafactor') throw new UsageError(`--optimizer must be adam or adafactor, got '${optimizer}'`);
  const method = str(args, 'method');
  if (method !== undefined && method !== 'gradient' && method !== 'bbt') throw new UsageError(`--method must be gradient or bbt, got '${method}'`);
  for (const name of ['tokens', 'steps', 'batch-size', 'eval-every', 'patience']) {
    const v = num(args, name);
    if (v !== undefined && (!Number.isInteger(v) || v < (name === 'patience' ? 0 : 1))) throw new UsageError(`--${name} needs a positive integer, got ${v}`);
  }
  return {
    tokens: num(args, 'tokens'),
    init: init as PromptsmithSoftPrompt['init'],
    initText: str(args, 'init-text'),
    steps: num(args, 'steps'),
    lr: num(args, 'lr'),
    optimizer: optimizer as PromptsmithSoftPrompt['optimizer'],
    method: method as PromptsmithSoftPrompt['method'],
    seed: num(args, 'seed'),
    batchSize: num(args, 'batch-size'),
    evalEvery: num(args, 'eval-every'),
    patience: num(args, 'patience'),
  };
}

function describe(e: TuneSoftEvent): string {
  if (e.type === 'message') return e.message;
  if (e.type === 'device') return `device ${e.device}`;
  const dev = e.dev_acc === undefined ? '' : `  dev_acc ${e.dev_acc.toFixed(3)}`;
  return `step ${e.step}/${e.totalSteps}  loss ${e.loss.toFixed(4)}  train_acc ${e.train_acc.toFixed(3)}${dev}`;
}

export const tuneSoftCommand: CliCommand = {
  name: 'tune soft',
  usage:
    'tune soft <file.prompt> [--tokens n] [--init RANDOM|SAMPLE_VOCAB|TEXT] [--init-text T] [--steps N] [--lr X] [--optimizer adam|adafactor] [--method gradient|bbt] [--seed S] [--out DIR] [--resume DIR] [--json]',
  summary: 'Soft prompt tuning (Lester et al. 2021); saves a PEFT adapter',
  flags: {
    tokens: { kind: 'number', description: 'number of virtual tokens' },
    init: { kind: 'string', description: 'RANDOM, SAMPLE_VOCAB or TEXT' },
    'init-text': { kind: 'string', description: 'text whose embeddings start the prompt (init TEXT)' },
    steps: { kind: 'number', description: 'optimisation steps (BBT: CMA-ES generations)' },
    lr: { kind: 'number', description: 'learning rate' },
    optimizer: { kind: 'string', description: 'adam or adafactor' },
    method: { kind: 'string', description: 'gradient (autodiff) or bbt (gradient-free)' },
    seed: { kind: 'number', description: 'random seed' },
    'batch-size': { kind: 'number', description: 'examples per step' },
    'eval-every': { kind: 'number', description: 'evaluate on dev (and checkpoint) every N steps' },
    patience: { kind: 'number', description: 'early stopping after N evaluations without improvement' },
    device: { kind: 'string', description: 'auto, cpu, cuda, dml, coreml, webgpu' },
    out: { kind: 'string', description: 'adapter folder (default: a run folder under .promptsmith/runs)' },
    resume: { kind: 'string', description: 'continue the run saved in this folder' },
    json: { kind: 'boolean', description: 'one JSON event per line' },
  },
  async run(args) {
    const [file, ...extra] = args.positionals;
    if (!file) throw new UsageError('missing <file.prompt>');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const json = args.flags['json'] === true;
    const device = str(args, 'device');
    const controller = new AbortController();
    const onSigint = () => {
      process.stderr.write('stopping after this step (a checkpoint is written; continue with --resume)…\n');
      controller.abort();
    };
    process.once('SIGINT', onSigint);
    try {
      const result = await tuneSoftPrompt({
        promptFile: file,
        overrides: overridesOf(args),
        out: str(args, 'out'),
        resume: str(args, 'resume'),
        device: device === undefined ? undefined : parseDevice(device, '--device'),
        workspaceDir: process.cwd(),
        signal: controller.signal,
        onEvent: (e) => {
          if (json) process.stdout.write(JSON.stringify(e) + '\n');
          else process.stderr.write(describe(e) + '\n');
        },
      });
      const { nearest: _detail, ...rest } = result;
      if (json) {
        process.stdout.write(JSON.stringify({ type: 'result', ...rest }) + '\n');
      } else {
        const lines = result.nearest_tokens.map((row, i) => `  [${i}] ${row.join(' ')}`);
        process.stdout.write(
          `saved ${result.out}\ndev accuracy ${result.dev_acc} (manual template: ${result.manual_dev_acc}), best step ${result.best_step}, ${result.method} on ${result.device}\nnearest tokens:\n${lines.join('\n')}\n`,
        );
      }
      return result.cancelled ? 130 : 0;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  },
};
