// The engine and CLI bundles for the tests that run them as processes: dist/'s when `npm run
// build` made them after the last change under src/ (npm test builds first), else bundled afresh
// from the sources into .test-out/ inside the repository (so the bundle still resolves
// onnxruntime-node), removed when the test process exits. Bundling both cost about 0.9 CPU-s in
// each of 14 test files.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures';

const built = new Map<string, string>();

/** The newest modification time of any file under `dir`. */
function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let sourcesChangedAt: number | undefined;

/** dist/<name> if it was built after every source file changed. */
function freshDist(name: string): string | undefined {
  const file = join(repoRoot(), 'dist', name);
  if (!existsSync(file)) return undefined;
  sourcesChangedAt ??= Math.max(newestChange(join(repoRoot(), 'src')), statSync(join(repoRoot(), 'package.json')).mtimeMs);
  return statSync(file).mtimeMs >= sourcesChangedAt ? file : undefined;
}

/** dist/engine.js when fresh, else its equivalent bundled from the sources (a folder per test process). */
export function engineBundle(): string {
  return bundle('src/engine/host/engineMain.ts', 'engine.js');
}

/** dist/cli.js when fresh, else its equivalent beside engineBundle()'s, so it finds the engine as dist/cli.js does. */
export function cliBundle(): string {
  engineBundle();
  return bundle('src/cli/main.ts', 'cli.js');
}

function bundle(entry: string, name: string): string {
  const done = built.get(name);
  if (done) return done;
  // Both from one place: the CLI finds the engine beside itself.
  const dist = [freshDist('engine.js'), freshDist('cli.js')];
  if (dist.every((f) => f !== undefined)) {
    built.set('engine.js', dist[0]!);
    built.set('cli.js', dist[1]!);
    return built.get(name)!;
  }
  const root = repoRoot();
  const outDir = join(root, '.test-out', `engine-${process.pid}`);
  if (!existsSync(outDir)) process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));
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
