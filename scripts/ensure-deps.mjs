// Makes `npm run demo` and `npm test` work as the first command after cloning: when node_modules
// is missing or does not hold what package-lock.json says (npm's own record of the installed tree,
// node_modules/.package-lock.json, differs), run `npm ci` first. No dependencies of its own.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function packages(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).packages ?? {};
  } catch {
    return undefined;
  }
}

/** Why the installed tree is not the locked one, or undefined when it is. */
function staleReason() {
  const locked = packages(join(root, 'package-lock.json'));
  if (!locked) return 'package-lock.json is unreadable';
  const installed = packages(join(root, 'node_modules', '.package-lock.json'));
  if (!installed) return 'node_modules is missing';
  for (const [path, entry] of Object.entries(locked)) {
    // Optional packages for other platforms are never installed; the root entry is the project.
    if (path === '' || entry.optional) continue;
    if (installed[path]?.version !== entry.version) return `${path} is not ${entry.version}`;
  }
  return undefined;
}

const reason = staleReason();
if (reason) {
  process.stderr.write(`promptsmith: installing dependencies (${reason}): npm ci\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // Never fetch onnxruntime's CUDA binaries (no internet but the npm registry).
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' }, shell: process.platform === 'win32' });
  if (r.status !== 0) {
    process.stderr.write('promptsmith: npm ci failed; see above\n');
    process.exit(r.status ?? 1);
  }
}
