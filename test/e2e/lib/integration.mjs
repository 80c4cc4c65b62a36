// Runs test/e2e/integration/*.ts inside the real extension host of code-server through VS Code's
// smoke-test driver: the page is opened with extensionDevelopmentPath (the installed, packaged
// extension) and extensionTestsPath (our bundle); the exit code comes back via codeAutomationExit.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Bundles the integration tests into `<cacheDir>/integration/index.js`; `missing` is missingFeatures(). */
export async function buildIntegrationBundle(e2eDir, cacheDir, missing) {
  const outdir = join(cacheDir, 'integration');
  rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { index: join(e2eDir, 'integration', 'index.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode'],
    // Which features are not in the tree (lib/landed.mjs): their tests are skipped with the reason.
    define: { E2E_MISSING_FEATURES: JSON.stringify(missing) },
    logLevel: 'warning',
  });
  return join(outdir, 'index.js');
}

/**
 * Opens an extension-test window on an empty workspace and waits for the tests' exit code.
 * Returns `{ exitCode, results, measures, logs }`.
 */
export async function runIntegrationTests({ browser, server, bundle, workspace, artifactsDir, timeoutMs = 180_000 }) {
  const resultsFile = join(bundle, '..', 'results.json');
  rmSync(resultsFile, { force: true });
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const logs = [];
  let resolveExit;
  const exited = new Promise((resolve) => {
    resolveExit = resolve;
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
  await page.exposeFunction('codeAutomationLog', (...args) => logs.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')));
  page.on('console', (msg) => {
    if (msg.text().includes('[promptsmith-e2e]')) logs.push(msg.text());
  });
  const remote = (path) => `vscode-remote://127.0.0.1:${server.port}${path}`;
  const payload = [
    ['extensionDevelopmentPath', remote(server.extensionDir)],
    ['extensionTestsPath', remote(bundle)],
  ];
  try {
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    let timer;
    const exitCode = await Promise.race([
      exited,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the extension tests did not exit within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    const report = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : { results: [], measures: {} };
    return { exitCode, ...report, logs };
  } catch (err) {
    err.message += `\nlog of the extension-test window:\n${logs.join('\n')}`;
    throw err;
  } finally {
    mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, 'integration-window.png') }).catch(() => {});
    await context.close().catch(() => {});
  }
}
