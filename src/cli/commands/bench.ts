// `promptsmith bench`: runs bench/run.mjs from a source checkout (the benchmarks are scripts,
// not part of the installed extension).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../command';

export const benchCommand: CliCommand = {
  name: 'bench',
  usage: 'bench [name-filter]',
  summary: 'Run the benchmark scripts (source checkout only)',
  flags: {},
  async run(args) {
    const repo = resolve(__dirname, '..');
    const runner = join(repo, 'bench', 'run.mjs');
    if (!existsSync(runner)) throw new Error(`${runner}: not found (benchmarks run from a source checkout: npm run bench)`);
    const result = spawnSync(process.execPath, [runner, ...args.positionals], { cwd: repo, stdio: 'inherit' });
    return result.status ?? 1;
  },
};
