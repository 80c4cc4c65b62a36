// `promptsmith compare <file.prompt>`: prompt engineering, soft prompts, BBT, random search, RL
// prompts, LoRA and full fine tuning on the file's task, one table judged on its test split.
// --json: progress lines, then a flat result line {"type":"result","rows":[…]}.
import { resolve } from 'node:path';
import { formatPercent } from '../../protocol/format';
import { baselineRow, COMPARE_METHODS, type CompareMethod, type CompareResult, rowLabel, verdict } from '../../protocol/methods/compare';
import { UsageError, promptFileArgument } from '../args';
import type { CliCommand } from '../command';
import { deviceFromFlags, withEngine } from '../engineForCli';
import { compareProgressPrinter } from '../compareProgress';
import { remoteAccessFromFlags, remoteFlags } from '../remoteFlags';
import { taskEventPrinter } from '../taskOutput';

export function parseMethods(value: unknown): CompareMethod[] | undefined {
  if (value === undefined) return undefined;
  const names = String(value)
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  const unknown = names.find((m) => !(COMPARE_METHODS as readonly string[]).includes(m));
  if (unknown !== undefined) throw new UsageError(`--methods: unknown method '${unknown}' (known: ${COMPARE_METHODS.join(', ')})`);
  return names as CompareMethod[];
}

/** One line per method, each starting with the method's id. */
export function compareTable(r: CompareResult): string {
  const width = Math.max(9, ...r.rows.map((row) => rowLabel(row).length + 1));
  const lines = [`${'method'.padEnd(width)} ${'test'.padStart(7)}  ${'95% interval'.padEnd(14)} ${'dev'.padStart(7)} ${'train'.padStart(7)} ${'params'.padStart(9)} ${'seconds'.padStart(8)} ${'MiB'.padStart(6)}`];
  for (const row of r.rows) {
    if (row.status !== 'done') {
      lines.push(`${rowLabel(row).padEnd(width)} ${row.status}: ${row.note ?? ''}`);
      continue;
    }
    const ci = row.test_ci ? `${formatPercent(row.test_ci[0])}–${formatPercent(row.test_ci[1])}` : '—';
    const vs = verdict(row, baselineRow(r.rows));
    lines.push(
      `${rowLabel(row).padEnd(width)} ${formatPercent(row.test_acc).padStart(7)}  ${ci.padEnd(14)} ${formatPercent(row.dev_acc).padStart(7)} ${formatPercent(row.train_acc).padStart(7)} ${String(row.trainable_params).padStart(9)} ${row.seconds.toFixed(0).padStart(8)} ${row.peak_rss_mb.toFixed(0).padStart(6)}${vs ? `  ${vs}` : ''}`,
    );
  }
  return lines.join('\n');
}

export const compareCommand: CliCommand = {
  name: 'compare',
  usage: `compare <file.prompt> [--methods ${COMPARE_METHODS.join(',')}] [--budget-minutes M] [--seed S] [--model M [--endpoint URL] [--policy-model P]] [--device D] [--json]`,
  summary: 'Compare the ways to adapt the model (prompt engineering, soft prompts, RL prompts, LoRA, fine tuning) on the held-out test split',
  flags: {
    methods: { kind: 'string', description: `comma-separated, from ${COMPARE_METHODS.join(', ')} (default: all that fit)` },
    'budget-minutes': { kind: 'number', description: 'the whole comparison’s time; each training method gets its share' },
    seed: { kind: 'number', description: 'seed for every method' },
    device: { kind: 'string', description: 'auto, cpu, cuda, dml, coreml, webgpu' },
    model: { kind: 'string', description: "another task model: a folder or hub id (every method), or openai-compatible/<name> with --endpoint (the methods that need no gradients)" },
    'policy-model': { kind: 'string', description: 'the local policy LM of RL prompt tuning (needed with a remote --model)' },
    ...remoteFlags,
    json: { kind: 'boolean', description: 'progress lines, then {"type":"result","rows":[…]}' },
  },
  async run(args) {
    const file = promptFileArgument(args);
    const budget = args.flags['budget-minutes'];
    if (budget !== undefined && !((budget as number) > 0)) throw new UsageError('--budget-minutes needs a number > 0');
    const seed = args.flags['seed'];
    if (seed !== undefined && (!Number.isInteger(seed) || (seed as number) < 0)) throw new UsageError('--seed needs a whole number ≥ 0');
    const json = args.flags['json'] === true;
    const onEvent = json ? taskEventPrinter({ json }) : compareProgressPrinter((t) => process.stderr.write(t), process.stderr.isTTY === true);
    const result = await withEngine((client, signal) =>
      client.request(
        'compare',
        {
          promptFile: resolve(file),
          methods: parseMethods(args.flags['methods']),
          budgetMinutes: budget as number | undefined,
          seed: seed as number | undefined,
          workspaceDir: process.cwd(),
          device: deviceFromFlags(args.flags),
          model: args.flags['model'] as string | undefined,
          policyModel: args.flags['policy-model'] as string | undefined,
          ...remoteAccessFromFlags(args.flags),
        },
        { signal, onEvent },
      ),
    );
    if (json) {
      const rows = result.rows.map(({ method, variant, test_acc, dev_acc, train_acc, trainable_params, seconds, peak_rss_mb, artifact, test_ci, vs_manual_p, status, note }) => ({
        method,
        ...(variant ? { variant } : {}),
        test_acc,
        dev_acc,
        train_acc,
        trainable_params,
        seconds,
        peak_rss_mb,
        artifact,
        test_ci,
        vs_manual_p,
        status,
        ...(note ? { note } : {}),
      }));
      process.stdout.write(`${JSON.stringify({ type: 'result', rows, test_rows: result.test_rows, warnings: result.warnings, report: result.report, run_dir: result.run_dir })}\n`);
    } else {
      const warnings = result.warnings.map((w) => `warning: ${w}\n`).join('');
      process.stdout.write(`${compareTable(result)}\n\n${warnings}report: ${result.run_dir ? `${result.run_dir}/report.md` : '(not recorded)'}\n`);
    }
    return 0;
  },
};
