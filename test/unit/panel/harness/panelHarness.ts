// Serves the built panel (dist/webview) over local HTTP with the real panel HTML and CSP, and
// drives it in headless Chromium through playwright-core, which lives in a cache folder outside
// the project's dependencies (test/e2e/.cache/panel-pw). Used by the render test and the bench.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import { panelHtml } from '../../../../src/extension/panel/panelHtml';

/** playwright-core as the e2e toolchain installs it (node test/e2e/setup.mjs); not a project dependency. */
export const PLAYWRIGHT_CACHE = 'test/e2e/.cache/tools';
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export interface Harness {
  origin: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.map': 'application/json' };

/** Serves / (the panel page), /dist/webview/* and /theme.css from the repository. */
export async function startHarness(repoRoot: string): Promise<Harness> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = `http://${req.headers.host}`;
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        panelHtml({
          scriptUri: `${origin}/dist/webview/panel.js`,
          styleUri: `${origin}/dist/webview/panel.css`,
          extraStyleUris: [`${origin}/theme.css`],
          cspSource: origin,
        }),
      );
      return;
    }
    const rel = url.pathname === '/theme.css' ? 'test/unit/panel/harness/theme-dark.css' : normalize(url.pathname.slice(1));
    if (!rel.startsWith('dist/webview/') && !rel.endsWith('theme-dark.css')) {
      res.writeHead(404).end();
      return;
    }
    const file = join(repoRoot, rel);
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function findChromium(): string | undefined {
  const fromEnv = process.env.PROMPTSMITH_CHROMIUM;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CHROMIUM_PATHS.find((p) => existsSync(p));
}

/** Minimal slice of playwright-core's API that we use (it is not a project dependency). */
export interface PwPage {
  goto(url: string): Promise<unknown>;
  evaluate<T>(fn: string | ((arg: never) => T | Promise<T>), arg?: unknown): Promise<T>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  on(event: 'console', handler: (message: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', handler: (error: Error) => void): void;
  keyboard: { press(key: string): Promise<void> };
  waitForFunction(fn: string, arg?: unknown, options?: { timeout?: number }): Promise<unknown>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
}
export interface PwBrowser {
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<PwPage>;
  close(): Promise<void>;
}

/** Why the browser cannot be driven here, or undefined if it can. */
export function browserUnavailable(repoRoot: string): string | undefined {
  if (!existsSync(join(repoRoot, 'dist/webview/panel.js'))) return 'dist/webview/panel.js is not built (run npm run build)';
  if (!findChromium()) return `no Chromium found (${CHROMIUM_PATHS.join(', ')}; on Debian: apt-get install -y chromium)`;
  if (!existsSync(join(repoRoot, PLAYWRIGHT_CACHE, 'node_modules/playwright-core'))) {
    return `playwright-core is not in ${PLAYWRIGHT_CACHE} (install the e2e toolchain: node test/e2e/setup.mjs)`;
  }
  return undefined;
}

export async function launchChromium(repoRoot: string): Promise<PwBrowser> {
  const require = createRequire(join(repoRoot, PLAYWRIGHT_CACHE, 'package.json'));
  const { chromium } = require('playwright-core') as { chromium: { launch(options: { executablePath: string; headless: boolean; args?: string[] }): Promise<PwBrowser> } };
  return chromium.launch({ executablePath: findChromium()!, headless: true, args: ['--no-sandbox'] });
}

/** Opens the panel page; collects console errors (CSP violations show up there) and page errors. */
export async function openPanelPage(browser: PwBrowser, harness: Harness, viewport = { width: 1100, height: 900 }): Promise<{ page: PwPage; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${harness.origin}/`);
  await page.waitForFunction('globalThis.__promptsmithPanel !== undefined', undefined, { timeout: 10_000 });
  return { page, problems };
}

/** Sends messages through the panel's own receive path (validation included). */
export async function sendToPanel(page: PwPage, messages: unknown[]): Promise<void> {
  await page.evaluate(`(${(msgs: unknown[]) => {
    const panel = (globalThis as unknown as { __promptsmithPanel: { receive(m: unknown): void; flush(): void } }).__promptsmithPanel;
    for (const m of msgs) panel.receive(m);
    panel.flush();
  }})(${JSON.stringify(messages)})`);
}

/** Resolves after the browser has painted twice (layout, canvas draw and paint done). */
export const AFTER_PAINT = 'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))';
