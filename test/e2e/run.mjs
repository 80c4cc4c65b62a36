// `npm run test:e2e`: the packaged extension in a real VS Code (code-server) driven in a real
// browser (Debian's chromium through playwright-core). Installs its toolchain into
// test/e2e/.cache/ (cached), packages the .vsix, starts code-server in a temp sandbox, runs the
// extension-host integration tests through the smoke-test driver, then the UI scenarios of
// issue 7. Everything is shut down at the end, also on failure. Output: node:test's report.
// Env: E2E_ONLY=<substring>[,<substring>…] runs only matching tests (e.g. E2E_ONLY=integration,04); E2E_KEEP_ARTIFACTS=1 keeps old screenshots;
// E2E_README_SCREENSHOTS=1 copies the README's screenshots into media/screenshots/.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startCodeServer } from './lib/codeServer.mjs';
import { buildIntegrationBundle, runIntegrationTests } from './lib/integration.mjs';
import { missingFeatures } from './lib/landed.mjs';
import { loadTs } from './lib/loadTs.mjs';
import { CHROMIUM, ensureToolchain, loadPlaywright } from './lib/toolchain.mjs';
import { CHROMIUM_ARGS, Workbench } from './lib/workbench.mjs';

const e2eDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(e2eDir, '..', '..');
const cacheDir = join(e2eDir, '.cache');
const artifactsDir = join(e2eDir, 'artifacts');
const fixtureDir = join(e2eDir, 'fixtures', 'workspace');
const modelDir = resolve(repoRoot, '..', 'shared', 'models', 'stories260k-hf');
const only = process.env.E2E_ONLY?.split(',').filter(Boolean);
const selected = (...names) => !only || only.some((o) => names.some((n) => n.includes(o)));
const startedAt = performance.now();

const log = (line) => process.stderr.write(`# e2e: ${line}\n`);
const env = { server: undefined, browser: undefined, timings: {} };
const missing = missingFeatures(repoRoot);

// Scenario modules: test/e2e/scenarios/NN-name.mjs, each `export default { name, needs, timeoutMs, run }`.
const scenarioFiles = readdirSync(join(e2eDir, 'scenarios'))
  .filter((f) => /^\d+-.*\.mjs$/.test(f))
  .sort();
const scenarios = await Promise.all(scenarioFiles.map(async (f) => ({ file: f, ...(await import(`./scenarios/${f}`)).default })));

function packageExtension() {
  const started = performance.now();
  const r = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`npm run package failed (exit ${r.status}):\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n')}`);
  const match = r.stdout.match(/Packaged: (\S+\.vsix)/);
  const vsix = resolve(repoRoot, match ? match[1] : '');
  if (!match || !existsSync(vsix)) throw new Error(`npm run package did not report a .vsix:\n${r.stdout.slice(-2000)}`);
  const mb = statSync(vsix).size / 1024 / 1024;
  env.timings.package = `${((performance.now() - started) / 1000).toFixed(1)} s, ${vsix.split('/').pop()} ${mb.toFixed(1)} MiB`;
  return vsix;
}

async function shutdown() {
  await env.browser?.close().catch(() => {});
  env.browser = undefined;
  await env.server?.stop().catch(() => {});
  env.server = undefined;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    shutdown().finally(() => process.exit(130));
  });
}

/** Runs `fn`, remembering a failure so that the logs of code-server and VS Code are kept. */
async function noteFailure(fn) {
  try {
    return await fn();
  } catch (err) {
    env.failed = true;
    throw err;
  }
}

before(
  () => noteFailure(async () => {
    if (!process.env.E2E_KEEP_ARTIFACTS) rmSync(artifactsDir, { recursive: true, force: true });
    mkdirSync(artifactsDir, { recursive: true });
    const toolchain = ensureToolchain(cacheDir, log);
    env.timings.toolchain = `${toolchain.seconds.toFixed(1)} s (${toolchain.cached ? 'cached' : 'installed'})`;
    log(`toolchain: ${env.timings.toolchain}`);
    const vsix = packageExtension();
    log(`package: ${env.timings.package}`);
    env.bundle = await buildIntegrationBundle(e2eDir, cacheDir, missing);
    env.server = await startCodeServer({ toolchain, vsix, log });
    env.timings.installExtension = `${env.server.installSeconds.toFixed(1)} s`;
    const { chromium } = loadPlaywright(toolchain);
    env.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    log(`code-server on ${env.server.url}, chromium ${env.browser.version()}`);
  }),
  { timeout: 15 * 60_000 },
);

/** E2E_README_SCREENSHOTS=1: the screenshots README.md shows, refreshed from this run (media/screenshots/). */
const README_SCREENSHOTS = {
  '01-diagnostics-hover-codelens-04-hover.png': 'diagnostics-and-hover.png',
  '02-run-prompt-01-output.png': 'run-output.png',
  '04-soft-prompt-02-completed.png': 'soft-prompt-tuning.png',
};

after(async () => {
  // Kept after a failure, or always with E2E_SAVE_LOGS=1 (to compare a passing run).
  if ((env.failed || process.env.E2E_SAVE_LOGS) && env.server) env.server.saveLogs(join(artifactsDir, 'logs'));
  if (process.env.E2E_README_SCREENSHOTS && !env.failed) {
    const target = join(repoRoot, 'media', 'screenshots');
    mkdirSync(target, { recursive: true });
    for (const [shot, name] of Object.entries(README_SCREENSHOTS)) {
      if (existsSync(join(artifactsDir, shot))) copyFileSync(join(artifactsDir, shot), join(target, name));
      else log(`README screenshot ${shot} was not taken in this run`);
    }
  }
  await shutdown();
  for (const [name, value] of Object.entries(env.timings)) log(`${name}: ${value}`);
  log(`total: ${((performance.now() - startedAt) / 1000).toFixed(1)} s; screenshots in ${artifactsDir}`);
});

test('extension host integration tests (smoke-test driver)', { skip: !selected('integration') && 'E2E_ONLY', timeout: 240_000 }, (t) => noteFailure(async () => {
  const workspace = env.server.newWorkspace(null);
  const started = performance.now();
  const report = await runIntegrationTests({ browser: env.browser, server: env.server, bundle: env.bundle, workspace, artifactsDir });
  env.timings.integration = `${((performance.now() - started) / 1000).toFixed(1)} s`;
  for (const [name, value] of Object.entries(report.measures)) {
    env.timings[name] = value;
    t.diagnostic(`${name}: ${value}`);
  }
  for (const r of report.results) {
    await t.test(r.name, { skip: r.status === 'skip' && r.reason }, (sub) => {
      sub.diagnostic(`${r.ms.toFixed(0)} ms in the extension host`);
      if (r.status === 'fail') throw new Error(r.error);
    });
  }
  if (report.results.length === 0) throw new Error(`the extension tests produced no results (exit code ${report.exitCode}):\n${report.logs.join('\n')}`);
  if (report.exitCode !== 0) throw new Error(`the extension test run exited with ${report.exitCode}`);
}));

for (const scenario of scenarios) {
  const reasons = (scenario.needs ?? []).map((need) => missing[need]).filter(Boolean);
  if (scenario.needsModel && !existsSync(modelDir)) reasons.push(`the shared model folder ${modelDir} is absent`);
  if (scenario.skip) reasons.push(scenario.skip);
  if (!selected(scenario.file, scenario.name)) reasons.push('E2E_ONLY');
  test(scenario.name, { skip: reasons.join('; ') || false, timeout: scenario.timeoutMs ?? 180_000 }, async (t) => {
    const prefix = scenario.file.replace(/\.mjs$/, '');
    const opened = [];
    const started = performance.now();
    const session = {
      t,
      server: env.server,
      repoRoot,
      missing,
      /** Records a finished run in `workspace` through the project's run store (fixtures/seedRun.ts). */
      async seedRun(workspace, promptFile) {
        env.seeder ??= await loadTs(join(fixtureDir, '..', 'seedRun.ts'), cacheDir);
        return env.seeder.seedRun(workspace, promptFile, modelDir);
      },
      log: (line) => t.diagnostic(line),
      /** Records a measured number, reported with the run's timings (e.g. activation time). */
      measure(name, value) {
        env.timings[name] = value;
        t.diagnostic(`${name}: ${value}`);
      },
      /** Opens a fresh copy of the fixture workspace (model path filled in) in a new browser context. */
      async openWorkspace({ folder } = {}) {
        const workspace = folder ?? env.server.newWorkspace(fixtureDir, { __STORIES260K__: modelDir });
        const wb = await Workbench.open(env.browser, env.server, workspace, { artifactsDir, prefix });
        wb.workspace = workspace;
        opened.push(wb);
        t.diagnostic(`workbench ready in ${wb.readySeconds.toFixed(1)} s`);
        return wb;
      },
    };
    try {
      await scenario.run(session);
    } catch (err) {
      env.failed = true;
      for (const wb of opened) await wb.screenshot('failure');
      throw err;
    } finally {
      for (const wb of opened) await wb.close();
      env.timings[prefix] = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    }
  });
}
