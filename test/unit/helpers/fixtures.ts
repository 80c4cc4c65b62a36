// Shared test fixtures: where the shared test data lives, and models exported once per checkout.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeModel } from '../../../src/engine/onnx/codec';
import { buildOnnxModel, hasOnnxModel, publishFolder, writeTempExportFolder } from '../../../src/engine/onnx/export/exportModel';
import { ensureTinyModel, type TinyModelKind } from '../../../src/engine/onnx/export/tinyModels';
import type { OnnxModel } from '../../../src/engine/onnx/ir';

/** The repository root (tests are bundled into .test-out/<pid>/…, so walk up to package.json). */
export function repoRoot(): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'src'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('tests must run inside the repository');
    dir = parent;
  }
  return dir;
}

/** ../shared beside the repository, or undefined when absent (tests then skip with a message). */
export function sharedDir(): string | undefined {
  const dir = resolve(repoRoot(), '../shared');
  return existsSync(dir) ? dir : undefined;
}

function sharedPath(...parts: string[]): string | undefined {
  const shared = sharedDir();
  if (!shared) return undefined;
  const path = join(shared, ...parts);
  return existsSync(path) ? path : undefined;
}

/** ../shared/models/stories260k-hf (safetensors only, no ONNX). */
export function storiesHfDir(): string | undefined {
  return sharedPath('models', 'stories260k-hf');
}

/** ../shared/data/tinysent (train.jsonl, dev.jsonl). */
export function tinysentDir(): string | undefined {
  return sharedPath('data', 'tinysent');
}

/** The message tests pass to `t.skip()` when the shared stories260k model is absent. */
export const STORIES_ABSENT = '../shared/models/stories260k-hf is absent';

function requireStoriesHf(): string {
  const dir = storiesHfDir();
  if (!dir) throw new Error(`${STORIES_ABSENT}: check storiesHfDir() and skip first`);
  return dir;
}

let storiesOnnx: Promise<string> | undefined;

/**
 * stories260k exported (with KV cache) into `<repo>/.models/stories260k-<hash>`: a folder in the
 * transformers.js layout (onnx/model.onnx, config, tokenizer). The name carries a hash of the
 * ONNX bytes, so an exporter change gives a new folder and an existing folder is always current;
 * the export of this tiny model takes milliseconds. Safe across parallel test processes.
 */
export function storiesOnnxDir(): Promise<string> {
  storiesOnnx ??= (async () => {
    const src = requireStoriesHf();
    const bytes = encodeModel(buildOnnxModel(src, { withPast: true }));
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    const target = join(repoRoot(), '.models', `stories260k-${hash}`);
    if (!hasOnnxModel(target)) publishFolder(writeTempExportFolder(src, bytes, target), target);
    return target;
  })();
  return storiesOnnx;
}

/** stories260k without past/present (the training graph), in memory; a fresh copy per call. */
export function storiesTrainingModel(): OnnxModel {
  return buildOnnxModel(requireStoriesHf(), { withPast: false });
}

/** stories260k with KV cache, in memory; a fresh copy per call. */
export function storiesModel(): OnnxModel {
  return buildOnnxModel(requireStoriesHf(), { withPast: true });
}

// ---- tiny random test models (helper "onnx-more" adds tinyModelDir(kind) below) ----

const tinyDirs = new Map<TinyModelKind, string>();

/**
 * A tiny RANDOM-weight model folder (config, safetensors, tokenizer, onnx/model.onnx; seed 0):
 * `<repo>/.models/tiny-<kind>-<hash>`, written once per content version and shared by all tests.
 * gpt2: byte-level BPE, 300 tokens; llama: SentencePiece BPE with byte fallback, 320 tokens, GQA;
 * bert: BertForMaskedLM with WordPiece ([CLS] [SEP] [MASK] [PAD]). All hidden 32, 2 layers, 4 heads.
 */
export function tinyModelDir(kind: TinyModelKind): string {
  let dir = tinyDirs.get(kind);
  if (!dir) {
    dir = ensureTinyModel(kind, join(repoRoot(), '.models'));
    tinyDirs.set(kind, dir);
  }
  return dir;
}
