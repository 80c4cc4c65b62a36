// Bundles scripts/softPromptSearch.ts (as the test runner bundles tests) and runs it with the
// given arguments. Long: run it in the background with `nice`. See docs/soft-prompt-defaults.md.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const outfile = join('.test-out', `soft-prompt-search-${process.pid}.js`);
await esbuild.build({
  entryPoints: ['scripts/softPromptSearch.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'onnxruntime-node'],
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
