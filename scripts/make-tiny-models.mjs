// Writes the tiny RANDOM-weight test models (GPT-2, Llama, BERT) in the Hugging Face layout, with
// onnx/model.onnx, from a fixed seed: for shape and speed tests, never for quality.
// Usage: node scripts/make-tiny-models.mjs [outDir=.models/tiny] [seed=0] [kinds=gpt2,llama,bert]
import * as esbuild from 'esbuild';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const [outDir = '.models/tiny', seedText = '0', kindsText = 'gpt2,llama,bert'] = process.argv.slice(2);
const seed = Number(seedText);
if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seedText}`);

// The generator is TypeScript: bundle it once into a private file and load it.
const bundle = join('.test-out', `make-tiny-models-${process.pid}.cjs`);
mkdirSync('.test-out', { recursive: true });
await esbuild.build({
  entryPoints: ['src/engine/onnx/export/tinyModels.ts'],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
try {
  const { writeTinyModel, TINY_MODEL_KINDS } = createRequire(import.meta.url)(resolve(bundle));
  for (const kind of kindsText.split(',')) {
    if (!TINY_MODEL_KINDS.includes(kind)) throw new Error(`unknown kind ${kind} (expected ${TINY_MODEL_KINDS.join(', ')})`);
    const dir = join(outDir, `tiny-${kind}`);
    rmSync(dir, { recursive: true, force: true });
    const start = performance.now();
    writeTinyModel(kind, dir, seed);
    const ms = performance.now() - start;
    const kb = (name) => (statSync(join(dir, name)).size / 1024).toFixed(1);
    console.log(`${dir}: written in ${ms.toFixed(0)} ms (model.safetensors ${kb('model.safetensors')} KiB, onnx/model.onnx ${kb('onnx/model.onnx')} KiB)`);
  }
} finally {
  rmSync(bundle, { force: true });
}
