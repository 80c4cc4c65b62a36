// Installs the end-to-end toolchain (Node 24, code-server, playwright-core, Debian chromium) into
// test/e2e/.cache/ without running the suite. CI runs it before the unit tests so that the panel's
// browser test (test/unit/panel) finds playwright-core and chromium instead of skipping.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureToolchain } from './lib/toolchain.mjs';

const result = ensureToolchain(join(dirname(fileURLToPath(import.meta.url)), '.cache'), (line) => console.log(`# e2e setup: ${line}`));
console.log(`# e2e setup: toolchain ${result.cached ? 'cached' : 'installed'} in ${result.seconds.toFixed(1)} s`);
