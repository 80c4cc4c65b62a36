// Builds every bundle of the extension. `node esbuild.config.mjs [--watch]`.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');

/** Node bundles: the engine process, the language server and the CLI. */
const nodeEntries = {
  engine: 'src/engine/host/engineMain.ts',
  server: 'src/language/server.ts',
  cli: 'src/cli/main.ts',
};

/** Browser bundles for the runs panel (only those that exist yet). */
const webviewEntries = Object.fromEntries(
  Object.entries({ panel: 'webview/panel.ts' }).filter(([, file]) => existsSync(file)),
);

const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
const common = { bundle: true, define: { PROMPTSMITH_VERSION: JSON.stringify(version) }, sourcemap: true, logLevel: 'info', legalComments: 'none' };

/** The extension host's bundles are parsed at activation: minified, and the language client apart. */
const extensionEntries = {
  extension: 'src/extension/extension.ts',
  languageClient: 'src/extension/languageClientStart.ts',
};

const node = { platform: 'node', format: 'cjs', target: 'node20', outdir: 'dist' };
const builds = [
  {
    ...common,
    ...node,
    entryPoints: Object.fromEntries(Object.entries(nodeEntries).filter(([, f]) => existsSync(f))),
    // vscode is provided by the host; onnxruntime-node carries native binaries and must stay a real module.
    external: ['vscode', 'onnxruntime-node'],
  },
  {
    ...common,
    ...node,
    entryPoints: extensionEntries,
    external: ['vscode', 'onnxruntime-node'],
    minify: true,
    // The bundle's first line: extension.ts reports how long its own code took to evaluate.
    banner: { js: 'var __promptsmithLoadStart = performance.now();' },
  },
];
if (Object.keys(webviewEntries).length > 0) {
  builds.push({
    ...common,
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
  });
}

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
