// Shared test fixtures: where the shared test data lives, and models exported once per checkout.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
