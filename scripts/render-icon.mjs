// Renders media/src/icon.svg (drawn for this project) to media/icon.png, the 128×128 PNG the
// Marketplace needs, with the e2e toolchain's Chromium (node test/e2e/setup.mjs installs it).
// Usage: node scripts/render-icon.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(join(root, 'test/e2e/.cache/tools/package.json'));
const { chromium } = require('playwright-core');
const svg = readFileSync(join(root, 'media/src/icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.PROMPTSMITH_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  const png = await page.locator('svg').screenshot({ omitBackground: true });
  writeFileSync(join(root, 'media/icon.png'), png);
  console.log(`media/icon.png: ${png.length} bytes`);
} finally {
  await browser.close();
}
