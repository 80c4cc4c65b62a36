// Bundles the engine entry for the host tests (like `npm run build` does for dist/engine.js),
// into .test-out/ inside the repository so the bundle still resolves onnxruntime-node.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures';

const built = new Map<string, string>();

/** dist/engine.js's equivalent, freshly bundled; the folder is per test process. */
export function engineBundle(): string {
  return bundle('src/engine/host/engineMain.ts', 'engine.js');
}

/** dist/cli.js's equivalent, beside engineBundle() so it finds the engine as dist/cli.js does. */
export function cliBundle(): string {
  engineBundle();
  return bundle('src/cli/main.ts', 'cli.js');
}

function bundle(entry: string, name: string): string {
  const done = built.get(name);
  if (done) return done;
  const root = repoRoot();
  const outDir = join(root, '.test-out', `engine-${process.pid}`);
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, name);
  const esbuild = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'esbuild.cmd' : 'esbuild');
  const result = spawnSync(
    esbuild,
    [join(root, entry), '--bundle', '--platform=node', '--format=cjs', '--target=node20', '--external:onnxruntime-node', '--log-level=warning', `--outfile=${outfile}`],
    { encoding: 'utf8' },
  );
  if (result.status !== 0 || !existsSync(outfile)) throw new Error(`bundling ${entry} failed: ${result.stderr || result.error?.message}`);
  built.set(name, outfile);
  return outfile;
}

/** Runs the bundled CLI with `args` and collects its exit code and output. */
export function runCli(cli: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
