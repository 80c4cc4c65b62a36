// Models the benchmarks run on: the stories260k checkpoint embedded in the repository
// (models/stories260k), exported to ONNX once into <repo>/.models (gitignored).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureOnnxFolder } from '../src/engine/onnx/export/exportModel';

export function repoDir(): string {
  return resolve(process.cwd());
}

export async function storiesOnnx(): Promise<string> {
  const src = join(repoDir(), 'models', 'stories260k');
  if (!existsSync(join(src, 'config.json'))) throw new Error(`${src}: the embedded stories260k model is missing`);
  return ensureOnnxFolder(src, join(repoDir(), '.models'));
}

/** dist/engine.js, built by `npm run bench`. */
export function enginePath(): string {
  const path = join(repoDir(), 'dist', 'engine.js');
  if (!existsSync(path)) throw new Error(`${path}: missing; run 'npm run build' (npm run bench does)`);
  return path;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** 64 short story prompts with one- and two-token continuations, deterministic. */
export function scoringItems(): { prompts: string[]; continuations: string[] } {
  const names = ['Lily', 'Tom', 'Sue', 'Ben', 'Mia', 'Sam', 'Max', 'Anna'];
  const events = ['got a new toy', 'lost her ball', 'saw a big dog', 'ate a red apple', 'played in the park', 'broke the cup', 'found a shiny rock', 'heard a loud noise'];
  const prompts: string[] = [];
  const continuations: string[] = [];
  for (const [i, n] of names.entries()) {
    for (const [j, e] of events.entries()) {
      prompts.push(`${n} ${e}. ${j % 2 ? 'The little child' : n} was very`);
      continuations.push((i + j) % 2 ? ' happy' : ' sad');
    }
  }
  return { prompts, continuations };
}
