// Driving the VS Code workbench in Chromium: open a folder, run commands from the palette, open
// files, read the Problems panel and webviews, and take screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Thrown from a waitFor check to stop waiting at once (the awaited state can no longer come). */
export class FinalError extends Error {}

/** Polls `check` (async, returns truthy when done) until it succeeds or `ms` pass. */
export async function waitFor(what, check, ms = 30_000, every = 250) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      if (err instanceof FinalError) throw err;
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    await sleep(every);
  }
}

export class Workbench {
  constructor(page, artifactsDir, prefix) {
    this.page = page;
    // E2E_CONSOLE=1: the page's console (webviews included) on stderr, for debugging a scenario.
    if (process.env.E2E_CONSOLE) {
      page.on('console', (m) => process.stderr.write(`[console ${m.type()}] ${m.text()}\n`));
      page.on('pageerror', (e) => process.stderr.write(`[pageerror] ${e.message}\n`));
    }
    this.artifactsDir = artifactsDir;
    this.prefix = prefix;
    this.shots = 0;
  }

  /** Opens `folder` of the running code-server in a new browser context and waits for the workbench. */
  static async open(browser, server, folder, { artifactsDir, prefix, query = '' }) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const wb = new Workbench(page, artifactsDir, prefix);
    wb.context = context;
    const started = performance.now();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}${query}`);
    await wb.waitReady();
    wb.readySeconds = (performance.now() - started) / 1000;
    return wb;
  }

  async waitReady() {
    await this.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await this.page.waitForSelector('.explorer-folders-view, .explorer-viewlet', { timeout: 60_000 });
  }

  /** "Developer: Reload Window", as a user reloads: the workbench shuts down (saving its state) and loads again. */
  async reloadWindow() {
    const page = this.page;
    const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame(), timeout: 60_000 });
    await this.runCommand('Developer: Reload Window');
    await navigated;
    await page.waitForLoadState('load');
    await this.waitReady();
  }

  async close() {
    await this.context?.close().catch(() => {});
  }

  async screenshot(name) {
    mkdirSync(this.artifactsDir, { recursive: true });
    const file = join(this.artifactsDir, `${this.prefix}-${String(++this.shots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file }).catch(() => {});
    return file;
  }

  /** Runs a command by its palette title (e.g. "Promptsmith: Run Prompt"), retrying while the palette fills. */
  async runCommand(title) {
    const page = this.page;
    await waitFor(`command "${title}" in the palette`, async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      const visible = await row.waitFor({ state: 'visible', timeout: 3000 }).then(
        () => true,
        () => false,
      );
      if (!visible) return false;
      await page.keyboard.press('Enter');
      return true;
    });
  }

  /**
   * VS Code's own activation time of an extension in ms, as its Running Extensions view shows it
   * (loading the extension's code plus the activate() call: what a user sees when they look).
   * `names`: the row's name, which is the display name, or the id when VS Code has none.
   */
  async runningExtensionActivationMs(names) {
    await this.runCommand('Developer: Show Running Extensions');
    const found = await waitFor(`the activation time of ${names.join(' / ')} in Running Extensions`, async () => {
      const rows = await this.page.locator('.runtime-extensions-editor .monaco-list-row').evaluateAll((els) =>
        els.map((el) => ({ name: el.querySelector('.name')?.textContent ?? '', time: el.querySelector('.activation-time')?.textContent ?? '' })),
      );
      const match = /Activation: (\d+)ms/.exec(rows.find((r) => names.includes(r.name))?.time ?? '');
      if (match) return { ms: Number(match[1]) };
      // The list renders only the rows in view (slowest first): scroll on to the next ones.
      await this.page.locator('.runtime-extensions-editor .monaco-list').first().hover();
      await this.page.mouse.wheel(0, 200);
      return false;
    });
    return found.ms;
  }

  /** Opens a workspace file with Quick Open and waits for its editor tab. */
  async openFile(relativePath) {
    const page = this.page;
    const name = relativePath.split('/').pop();
    await waitFor(`${relativePath} in Quick Open`, async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(relativePath);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
      await row.waitFor({ state: 'visible', timeout: 5000 });
      await page.keyboard.press('Enter');
      return true;
    });
    await page.locator('.tabs-container .tab.active', { hasText: name }).first().waitFor({ timeout: 15_000 });
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
  }

  /** The visible text of each editor group's active editor. */
  async editorTexts() {
    return this.page.locator('.editor-group-container .editor-instance').evaluateAll((editors) =>
      editors.map((editor) =>
        [...editor.querySelectorAll('.view-lines .view-line')]
          .map((line) => ({ top: Number.parseFloat(line.style.top) || 0, text: (line.textContent ?? '').replace(/\u00a0/g, ' ') }))
          .sort((a, b) => a.top - b.top)
          .map((l) => l.text)
          .join('\n'),
      ),
    );
  }

  /** Screen position of `word` on the visible editor line containing `lineText`, or undefined. */
  async wordPosition(lineText, word) {
    return this.page.evaluate(
      ([lineText, word]) => {
        const norm = (s) => s.replace(/\u00a0/g, ' ');
        for (const line of document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')) {
          const text = norm(line.textContent ?? '');
          const lineAt = text.indexOf(lineText);
          if (lineAt < 0) continue;
          let wanted = text.indexOf(word, lineAt);
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const length = node.textContent.length;
            if (wanted < length) {
              const range = document.createRange();
              range.setStart(node, wanted);
              range.setEnd(node, Math.min(length, wanted + word.length));
              const box = range.getBoundingClientRect();
              return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
            }
            wanted -= length;
          }
        }
        return undefined;
      },
      [lineText, word],
    );
  }

  /** Hovers `word` on the editor line containing `lineText` and returns the hover's text. */
  async hoverText(lineText, word) {
    const page = this.page;
    return waitFor(`a hover over "${word}"`, async () => {
      const at = await this.wordPosition(lineText, word);
      if (!at) throw new Error(`no visible editor line contains "${lineText}"`);
      await page.mouse.move(at.x, at.y - 40);
      await page.mouse.move(at.x, at.y, { steps: 3 });
      const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-hover:not(.hidden) .hover-contents').first();
      await hover.waitFor({ state: 'visible', timeout: 4000 });
      const content = (await hover.textContent()) ?? '';
      return content.includes('Loading') ? false : content;
    });
  }

  /** Opens the Problems panel and returns its rows as text ("message … [Ln 3, Col 5]"). */
  async problems() {
    const page = this.page;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+M');
    const tree = page.locator('.markers-panel .monaco-list');
    await tree.waitFor({ state: 'visible', timeout: 10_000 });
    return page.locator('.markers-panel .monaco-list-row').allInnerTexts();
  }

  /** The texts of the CodeLens lines of the visible editors. */
  async codeLensTexts() {
    return this.page.locator('.monaco-editor .codelens-decoration').allTextContents();
  }

  /** Inner frame of the visible webview (the runs panel), as a FrameLocator. */
  webview() {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }

  /** The text of the notifications currently shown (toasts and the notification center). */
  async notifications() {
    return this.page.locator('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item').allInnerTexts();
  }
}
