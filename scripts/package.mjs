// Packages platform-specific .vsix files: each carries only its own onnxruntime-node binaries
// (the npm package holds every platform's, ~290 MB). Usage: node scripts/package.mjs [target…]
// with VS Code targets linux-x64, linux-arm64, darwin-arm64, win32-x64, win32-arm64; default: this machine.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const binaries = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

const targets = process.argv.slice(2);
if (targets.length === 0) targets.push(`${process.platform}-${process.arch}`);
const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
const base = readFileSync('.vscodeignore', 'utf8');

for (const target of targets) {
  const dir = binaries[target];
  if (!dir) {
    console.error(`package: no onnxruntime-node binaries for target '${target}' (known: ${Object.keys(binaries).join(', ')})`);
    process.exit(2);
  }
  const ignoreFile = join(tmpdir(), `promptsmith-vscodeignore-${process.pid}-${target}`);
  writeFileSync(ignoreFile, `${base}\n# this target's native binaries\n!node_modules/onnxruntime-node/bin/napi-v6/${dir}/**\n`);
  const out = `promptsmith-${target}-${version}.vsix`;
  const vsce = join('node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
  // README images stay relative: VS Code shows them from the installed extension (media/screenshots ships).
  const r = spawnSync(vsce, ['package', '--target', target, '--ignoreFile', ignoreFile, '--no-rewrite-relative-links', '-o', out], { stdio: 'inherit' });
  rmSync(ignoreFile, { force: true });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
