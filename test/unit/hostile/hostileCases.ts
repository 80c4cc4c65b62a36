// Generated hostile inputs: seeded random sources, so every run tries the same cases and a
// failure names the seed that reproduces it. And a way to run a case that could hang in a child.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { seededRandom } from '../../../src/engine/onnx/export/tinyModels';

/** `count` independent generators, seeded from `base`. */
export function seededCases(count: number, base: number): (() => number)[] {
  return Array.from({ length: count }, (_, i) => seededRandom(base * 1000 + i));
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const CHILD_CASE = process.env.PS_HOSTILE_CASE;

/** `test`, except inside a child started by isolated(): there only that child's case runs. */
export const hostileTest: typeof test = (CHILD_CASE === undefined ? test : () => undefined) as typeof test;

/**
 * A case that could hang (a blocking read of a FIFO, a runaway loop) runs in a child process of
 * this same test file, killed after `timeoutMs`: a hang fails its test instead of blocking the run.
 */
export function isolated(name: string, body: () => void | Promise<void>, timeoutMs = 60_000): () => void {
  if (CHILD_CASE === name) {
    Promise.resolve()
      .then(body)
      .then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
          process.exit(1);
        },
      );
  }
  return () => {
    const started = Date.now();
    // Source maps as this process has them: off in the suite's run, on when a failing file runs again.
    const maps = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled ? ['--enable-source-maps'] : [];
    const child = spawnSync(process.execPath, [...maps, __filename], { env: { ...process.env, PS_HOSTILE_CASE: name }, encoding: 'utf8', timeout: timeoutMs });
    assert.ok(child.error === undefined && child.signal === null, `'${name}' did not finish within ${timeoutMs} ms (${Date.now() - started} ms): a hang`);
    assert.equal(child.status, 0, `'${name}' failed:\n${child.stderr}`);
  };
}
