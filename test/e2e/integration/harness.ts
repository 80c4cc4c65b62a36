// A small test runner for inside the extension host (node:test is not available there in a form
// whose result we can hand back). Results go to a JSON file the e2e runner reads, and to the log.
import { writeFileSync } from 'node:fs';

export interface TestResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  ms: number;
  error?: string;
  reason?: string;
}

export interface TestContext {
  /** Records a measured number, reported by the e2e runner (e.g. activation time). */
  measure(name: string, value: number, unit: string): void;
}

type TestFn = (t: TestContext) => Promise<void> | void;
interface Registered {
  name: string;
  fn: TestFn;
  skip?: string;
}

const registered: Registered[] = [];

export function test(name: string, fn: TestFn, options: { skip?: string | false } = {}): void {
  registered.push({ name, fn, skip: options.skip || undefined });
}

export async function runAll(resultsFile: string | undefined): Promise<{ results: TestResult[]; measures: Record<string, string> }> {
  const results: TestResult[] = [];
  const measures: Record<string, string> = {};
  const t: TestContext = {
    measure(name, value, unit) {
      measures[name] = `${value.toFixed(1)} ${unit}`;
    },
  };
  for (const { name, fn, skip } of registered) {
    if (skip) {
      results.push({ name, status: 'skip', ms: 0, reason: skip });
      continue;
    }
    const started = performance.now();
    try {
      await fn(t);
      results.push({ name, status: 'pass', ms: performance.now() - started });
    } catch (err) {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      results.push({ name, status: 'fail', ms: performance.now() - started, error });
    }
    console.log(`[promptsmith-e2e] ${results.at(-1)!.status} ${name}`);
  }
  if (resultsFile) writeFileSync(resultsFile, JSON.stringify({ results, measures }, null, 2));
  return { results, measures };
}

export async function waitUntil<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
