// Run folders can come with a repository. Damaged or hostile ones (run.json mutated at random,
// FIFOs in place of files, a promptFile that climbs out of the workspace) are read without an
// exception, a hang or a file outside the workspace being named as the run's prompt.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promptFileInWorkspace } from '../../../src/runs/runMeta';
import { listRuns, readRun, readRunSummary } from '../../../src/runs/runReader';
import { newestSoftPromptHint } from '../../../src/extension/softPrompt/softPromptRuns';
import { hostileTest as test, isolated, pick, seededCases } from './hostileCases';

const ws = mkdtempSync(join(tmpdir(), 'ps-runs-'));
const runs = join(ws, '.promptsmith', 'runs');
mkdirSync(runs, { recursive: true });

const GOOD = {
  schemaVersion: 1,
  id: 'r',
  kind: 'soft',
  name: 'n',
  model: 'm',
  device: 'cpu',
  settings: { out: 'x' },
  status: 'completed',
  timings: { createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T00:00:00Z' },
  promptFile: 'p.prompt',
};
const REPLACEMENTS: unknown[] = [null, 7, -1, 1e308, '', 'x'.repeat(10_000), [], {}, { __proto__: { polluted: 1 } }, true, '../../../etc/passwd'];

function mutate(random: () => number): string {
  const value: Record<string, unknown> = JSON.parse(JSON.stringify(GOOD));
  for (let i = 0; i < 1 + Math.floor(random() * 3); i++) {
    const key = pick(random, [...Object.keys(GOOD), '__proto__', 'constructor']);
    if (random() < 0.2) delete value[key];
    else value[key] = pick(random, REPLACEMENTS);
  }
  const text = JSON.stringify(value);
  // Sometimes the file was cut off while being written.
  return random() < 0.2 ? text.slice(0, Math.floor(random() * text.length)) : text;
}

test('generated damaged run.json files: every run folder is listed, a problem names run.json, nothing throws', () => {
  const cases = seededCases(200, 4);
  cases.forEach((random, i) => {
    const dir = join(runs, `run-${String(i).padStart(3, '0')}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'run.json'), mutate(random));
    writeFileSync(join(dir, 'metrics.jsonl'), random() < 0.5 ? '{"type":"progress","step":1}\n{"type":' : '\u0000\u0001garbage\n');
  });
  const listed = listRuns(ws);
  assert.equal(listed.length, cases.length);
  let damaged = 0;
  for (const run of listed) {
    if (run.problem) {
      assert.ok(run.problem.startsWith(join(run.dir, 'run.json')), run.problem);
      assert.ok(!run.problem.includes('\n'));
      damaged++;
    }
    readRun(run.dir);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // The editor's hint for a prompt file reads the same folders without throwing.
  newestSoftPromptHint(ws, join(ws, 'p.prompt'));
  console.log(`run folders: ${listed.length} generated run.json files, ${damaged} reported as damaged with the file named, 0 exceptions`);
});

test('a run’s promptFile is used only inside the workspace', () => {
  const outside = mkdtempSync(join(tmpdir(), 'ps-outside-'));
  writeFileSync(join(outside, 'x.prompt'), 'x');
  mkdirSync(join(ws, 'prompts'), { recursive: true });
  symlinkSync(outside, join(ws, 'prompts', 'link'));
  for (const escaping of ['../x.prompt', '../../etc/passwd', join(outside, 'x.prompt'), 'prompts/../../x.prompt', 'prompts/link/x.prompt', '/etc/passwd', 'a\u0000b']) {
    assert.equal(promptFileInWorkspace(ws, escaping), undefined, escaping);
  }
  assert.equal(promptFileInWorkspace(ws, 'prompts/p.prompt'), join(ws, 'prompts', 'p.prompt'));
  assert.equal(promptFileInWorkspace(ws, join(ws, 'p.prompt')), join(ws, 'p.prompt'));
});

const fifoRuns = isolated('run folder with FIFOs', () => {
  const root = mkdtempSync(join(tmpdir(), 'ps-fifo-runs-'));
  const dir = join(root, '.promptsmith', 'runs', 'fifo-run');
  mkdirSync(dir, { recursive: true });
  for (const name of ['run.json', 'metrics.jsonl']) execFileSync('mkfifo', [join(dir, name)]);
  const [summary] = listRuns(root);
  assert.match(summary!.problem!, /run\.json: not a regular file \(a named pipe\)/);
  assert.match(readRun(dir).warnings.join(), /metrics\.jsonl: not a regular file/);
  assert.equal(readRunSummary(dir).meta, undefined);
});

test('a run folder whose run.json and metrics.jsonl are FIFOs is reported, not waited on', () => fifoRuns());
