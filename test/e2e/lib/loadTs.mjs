// Loads a TypeScript helper of the suite (e.g. fixtures/seedRun.ts, which uses the project's own
// run store) by bundling it with esbuild into the cache folder.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';

export async function loadTs(entry, cacheDir) {
  const outfile = join(cacheDir, 'helpers', `${basename(entry, '.ts')}.cjs`);
  await esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'], logLevel: 'warning' });
  return createRequire(import.meta.url)(outfile);
}
