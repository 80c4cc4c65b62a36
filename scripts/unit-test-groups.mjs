// Which unit-test files share a Node process. A test file alone in its process pays about 0.27
// CPU-seconds before its first test (the process, the test runner, evaluating its bundle): over
// the suite's ~130 files that was ~30 of its ~175 CPU-seconds. Files whose tests all run inside
// the test process are grouped, a few per process; each file's tests sit in a describe() named
// after the file, so its before/after hooks still apply to its own tests only.
//
// A file stays alone when it starts processes of its own (the engine, the CLI, a server): those
// are the suite's long files, and alone they spread over the runner's workers. A file that runs
// its own bundle again (a Worker of __filename) must stay alone too.
import { relative } from 'node:path';

const STAYS_ALONE = /\b(cliBundle|engineBundle|EngineClient|serveStories|Worker|__filename|fork)\b|node:child_process/;

/**
 * Splits `files` (paths of .test.ts files) into those run alone and `groupCount` groups dealt
 * round-robin (in path order, so a directory's files, often alike in cost, spread over groups).
 */
export function planTestProcesses(files, readSource, groupCount) {
  const alone = [];
  const shared = [];
  for (const file of files) (STAYS_ALONE.test(readSource(file)) ? alone : shared).push(file);
  const groups = Array.from({ length: Math.min(groupCount, shared.length) }, () => []);
  for (const [i, file] of shared.entries()) groups[i % groups.length].push(file);
  return { alone, groups };
}

/**
 * The entry of a group's bundle: each file loaded inside a describe() named by its path under
 * `root`. After each file (and its own after-hooks), the working directory and the environment
 * go back to what they were before it loaded, so the next file starts as it would in a process
 * of its own. (Libraries set variables when first imported, e.g. transformers.js's VIPSHOME and
 * ORT_DISABLE_TELEMETRY, so a change is undone rather than treated as a test's fault.)
 */
export function groupEntrySource(files, root) {
  const lines = [
    "const { after, describe } = require('node:test');",
    'function snapshotProcessState() {',
    '  return { cwd: process.cwd(), env: { ...process.env } };',
    '}',
    // Registered after the file's own after-hooks, so it runs last.
    'function restoreProcessStateAfter({ cwd, env }) {',
    '  after(() => {',
    '    process.chdir(cwd);',
    '    for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];',
    '    Object.assign(process.env, env);',
    '  });',
    '}',
  ];
  for (const file of files) {
    lines.push(
      `describe(${JSON.stringify(relative(root, file))}, () => {`,
      '  const before = snapshotProcessState();',
      `  require(${JSON.stringify(file)});`,
      '  restoreProcessStateAfter(before);',
      '});',
    );
  }
  return lines.join('\n');
}
