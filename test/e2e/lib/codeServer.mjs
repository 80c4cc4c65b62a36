// Starts code-server (VS Code in the browser) on a free loopback port with everything it writes
// (HOME, XDG dirs, user data, extensions) in one temp folder, installs the packaged .vsix, and
// stops it again — the whole process group, so no extension host or language server survives.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'editor.codeLens': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function sandboxEnv(root, toolchain) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('VSCODE_') || key.startsWith('npm_')) delete env[key];
  return {
    ...env,
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'xdg', 'config'),
    XDG_DATA_HOME: join(root, 'xdg', 'data'),
    XDG_CACHE_HOME: join(root, 'xdg', 'cache'),
    XDG_STATE_HOME: join(root, 'xdg', 'state'),
    PATH: `${join(toolchain.nodeDir, 'bin')}:${process.env.PATH}`,
    // No marketplace: a closed loopback port answers at once instead of DNS lookups going out.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/items' }),
  };
}

/**
 * Installs `vsix` and starts code-server. Returns `{ url, port, root, extensionDir, installSeconds,
 * newWorkspace(fixtureDir, replacements), saveLogs(dir), stop() }`.
 */
export async function startCodeServer({ toolchain, vsix, log = () => {} }) {
  const root = mkdtempSync(join(tmpdir(), 'promptsmith-e2e-'));
  const dirs = { userData: join(root, 'user-data'), extensions: join(root, 'extensions'), workspaces: join(root, 'workspaces') };
  for (const d of ['home', 'xdg/config', 'xdg/data', 'xdg/cache', 'xdg/state', 'user-data/User', 'extensions', 'workspaces']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), `${JSON.stringify(USER_SETTINGS, null, 2)}\n`);
  const config = join(root, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const env = sandboxEnv(root, toolchain);
  const common = ['--config', config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

  const installStarted = performance.now();
  const install = spawnSync(toolchain.node, [toolchain.codeServer, ...common, '--install-extension', vsix, '--force'], {
    env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  const installSeconds = (performance.now() - installStarted) / 1000;
  const installed = readdirSync(dirs.extensions).find((name) => name.startsWith('promptsmith.promptsmith-'));
  if (install.status !== 0 || !installed) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`installing ${vsix} into code-server failed (exit ${install.status}): ${install.stderr || install.stdout}`);
  }
  log(`installed ${installed} in ${installSeconds.toFixed(1)} s`);

  const port = await freePort();
  const args = [
    toolchain.codeServer,
    ...common,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    // Extension hosts of closed browser contexts end soon instead of after 3 hours.
    '--reconnection-grace-time',
    '30',
    '--vscode-option',
    'enable-smoke-test-driver',
  ];
  // detached: its own process group, so stop() can end code-server with all its children.
  const child = spawn(toolchain.node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const keep = (chunk) => {
    output.push(chunk.toString());
    if (output.length > 2000) output.splice(0, 1000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  // Last resort if this process exits without stop() (an uncaught error): end the group anyway.
  const killOnExit = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  };
  process.once('exit', killOnExit);
  child.once('exit', () => {
    exited = true;
  });

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      const deadline = Date.now() + 5000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    }
    killOnExit(); // stragglers in the group (extension hosts, language servers, engines)
    process.removeListener('exit', killOnExit);
    rmSync(root, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) throw new Error(`code-server exited during start:\n${output.join('').slice(-3000)}`);
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url} within 60 s:\n${output.join('').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }

  let workspaceCount = 0;
  return {
    url,
    port,
    root,
    pid: child.pid,
    extensionDir: join(dirs.extensions, installed),
    installSeconds,
    /** Copies a fixture folder into a fresh workspace, replacing placeholders in text files. */
    newWorkspace(fixtureDir, replacements = {}) {
      const dest = join(dirs.workspaces, `ws${++workspaceCount}`);
      if (fixtureDir) cpSync(fixtureDir, dest, { recursive: true });
      else mkdirSync(dest, { recursive: true });
      substitute(dest, replacements);
      return dest;
    },
    /** Installs another .vsix into the running server's extensions (new windows load it); returns the folder name. */
    installExtension(otherVsix, prefix) {
      const r = spawnSync(toolchain.node, [toolchain.codeServer, ...common, '--install-extension', otherVsix, '--force'], { env, encoding: 'utf8', timeout: 180_000 });
      const folder = readdirSync(dirs.extensions).find((name) => name.startsWith(prefix));
      if (r.status !== 0 || !folder) throw new Error(`installing ${otherVsix} failed (exit ${r.status}): ${r.stderr || r.stdout}`);
      return folder;
    },
    uninstallExtension(id) {
      spawnSync(toolchain.node, [toolchain.codeServer, ...common, '--uninstall-extension', id], { env, encoding: 'utf8', timeout: 120_000 });
    },
    /** Copies code-server's output and VS Code's logs (extension host, language server) to dir. */
    saveLogs(dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'code-server.log'), output.join(''));
      const logs = join(dirs.userData, 'logs');
      if (existsSync(logs)) cpSync(logs, join(dir, 'vscode-logs'), { recursive: true });
    },
    stop,
  };
}

function substitute(dir, replacements) {
  if (Object.keys(replacements).length === 0) return;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(prompt|json|jsonl|ya?ml|md)$/.test(entry.name)) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    let text = readFileSync(file, 'utf8');
    for (const [from, to] of Object.entries(replacements)) text = text.split(from).join(to);
    writeFileSync(file, text);
  }
}
