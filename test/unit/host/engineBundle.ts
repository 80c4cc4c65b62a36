// Bundles the engine entry for the host tests (like `npm run build` does for dist/engine.js),
// into .test-out/ inside the repository so the bundle still resolves onnxruntime-node.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures';

let built: string | undefined;

export function engineBundle(): string {
  if (built) return built;
  const root = repoRoot();
  const outDir = join(root, '.test-out', `engine-${process.pid}`);
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'engine.js');
  const esbuild = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'esbuild.cmd' : 'esbuild');
  const result = spawnSync(
    esbuild,
    [join(root, 'src/engine/host/engineMain.ts'), '--bundle', '--platform=node', '--format=cjs', '--target=node20', '--external:onnxruntime-node', '--log-level=warning', `--outfile=${outfile}`],
    { encoding: 'utf8' },
  );
  if (result.status !== 0 || !existsSync(outfile)) throw new Error(`bundling the engine failed: ${result.stderr || result.error?.message}`);
  built = outfile;
  return outfile;
}
