// Tries hostile and broken inputs on a built Promptsmith (its CLI and language server, as black
// boxes) and counts what happens: clean (a clear error or the right answer), crash (an exception,
// a stack overflow, a malformed answer), hang (no answer within the time limit), data lost (a
// file the user had is gone or changed), unsafe (a file outside the folder read, an unsafe key
// accepted, a template or chat template run where it must not be) and wrong (a quietly wrong
// answer). Used for issue 17's before/after numbers:
//   node scripts/hostile-report.mjs [--dist DIR] [--only GROUP] [--json]      (default dist: ./dist)
// Needs ../shared (the stories260k model and tinysent); runs the cases two at a time.
import { execFileSync, fork, spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-languageserver/node';

const argv = process.argv.slice(2);
const dist = resolve(argv.includes('--dist') ? argv[argv.indexOf('--dist') + 1] : 'dist');
const cliJs = join(dist, 'cli.js');
const serverJs = join(dist, 'server.js');
const repo = resolve(dirname(new URL(import.meta.url).pathname), '..');
const stories = resolve(repo, '../shared/models/stories260k-hf');
const tinysent = resolve(repo, '../shared/data/tinysent');
const work = mkdtempSync(join(tmpdir(), 'ps-hostile-report-'));
const home = join(work, 'home');
mkdirSync(home);
const SECRET = 'SECRET-OUTSIDE-THE-FOLDER';
const CRASH = /Maximum call stack|Cannot read propert|is not a function|TypeError|RangeError|malformed|\n\s+at .+:\d+:\d+/;

/** Runs the CLI; resolves with its exit, output and whether it was killed for taking too long. */
function cli(args, { cwd = work, timeout = 60_000 } = {}) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cliJs, ...args], { cwd, env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('exit', (status, signal) => {
      clearTimeout(timer);
      done({ status, stdout, stderr, hung: signal === 'SIGKILL' });
    });
  });
}

function folder(name, files = {}) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** Every regular file under `dir` and its bytes, to see what an operation changed. */
function snapshot(dir) {
  const out = new Map();
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p, { throwIfNoEntry: false }); // links are not followed: some cases make loops
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile()) out.set(relative(dir, p), readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

const cases = [];
const add = (group, name, run) => cases.push({ group, name, run });

// ---- front matter keys (check) ---------------------------------------------------------------
const UNSAFE_KEYS = ['__proto__.polluted: yes', 'constructor.prototype.x: 1', 'prototype.y: 2', 'a.__proto__.b: 3', '__proto__: {polluted: 1}', 'promptsmith.softPrompt: {__proto__: 1}', 'config: {constructor: 1}', 'input: {default: {__proto__: x}}'];
const ODD_KEYS = ['promptsmith.softPrompt: {7: 8}', '7: x', 'true: x', '~: x', 'promptsmith.task: {labels: {7: " a", 8: " b"}}', 'promptsmith.rl: {1.5: 2}', 'config: {toString: 1}', 'toString: 1'];
for (const line of [...UNSAFE_KEYS, ...ODD_KEYS]) {
  add('front-matter keys', line, async () => {
    const dir = folder(`keys-${cases.length}`, { 'a.prompt': `---\nmodel: x\n${line}\n---\nHi\n`, 'b.prompt': '---\nmodel: x\n---\nHi {{name}}\n' });
    const r = await cli(['check', '--json', dir]);
    if (r.hung) return 'hang';
    let report;
    try {
      report = JSON.parse(r.stdout);
    } catch {
      return 'crash';
    }
    if (report.files.length !== 2) return 'crash';
    const diagnostics = report.files.flatMap((f) => f.diagnostics);
    if (diagnostics.some((d) => !Number.isInteger(d.line) || !Number.isInteger(d.column))) return 'crash';
    if (UNSAFE_KEYS.includes(line) && !diagnostics.some((d) => d.severity === 'error')) return 'unsafe';
    return 'clean';
  });
}

// ---- nesting (check) ---------------------------------------------------------------------------
const NESTERS = {
  if: (d) => `${'{{#if a}}'.repeat(d)}x${'{{/if}}'.repeat(d)}`,
  each: (d) => `${'{{#each a}}'.repeat(d)}x${'{{/each}}'.repeat(d)}`,
  unclosed: (d) => '{{#if a}}'.repeat(d),
  inverse: (d) => `${'{{^a}}'.repeat(d)}x${'{{/a}}'.repeat(d)}`,
  subexpression: (d) => `{{json ${'(lookup '.repeat(d)}a${' "b")'.repeat(d)}}}`,
};
for (const [kind, nest] of Object.entries(NESTERS)) {
  for (const depth of [2000, 5000]) {
    add('nesting', `${depth} nested ${kind}`, async () => {
      const dir = folder(`nest-${kind}-${depth}`, { 'deep.prompt': nest(depth) });
      const r = await cli(['check', '--json', dir], { timeout: 30_000 });
      if (r.hung) return 'hang';
      if (CRASH.test(r.stdout + r.stderr) || ![0, 1].includes(r.status)) return 'crash';
      return JSON.parse(r.stdout).errors > 0 ? 'clean' : 'wrong';
    });
  }
}

// ---- odd files (check) -------------------------------------------------------------------------
/** check --json on a folder: every .prompt reported, or what went wrong. */
async function checkFolder(dir) {
  const r = await cli(['check', '--json', dir], { timeout: 20_000 });
  if (r.hung) return 'hang';
  try {
    return JSON.parse(r.stdout).files.some((f) => f.file.endsWith('good.prompt')) ? 'clean' : 'crash';
  } catch {
    return 'crash';
  }
}
add('files', 'a FIFO named x.prompt in a checked folder', async () => {
  const dir = folder('fifo-folder', { 'good.prompt': 'hi\n' });
  execFileSync('mkfifo', [join(dir, 'pipe.prompt')]);
  return checkFolder(dir);
});
add('files', 'a .prompt linked to /dev/zero', async () => {
  const dir = folder('zero-folder', { 'good.prompt': 'hi\n' });
  symlinkSync('/dev/zero', join(dir, 'zero.prompt'));
  return checkFolder(dir);
});
add('files', 'folder links that loop', async () => {
  const dir = folder('loops/a', { 'good.prompt': 'hi\n' });
  symlinkSync(dir, join(dir, 'l1'));
  symlinkSync(dir, join(dir, 'l2'));
  return checkFolder(dir);
});
add('files', 'a dangling link beside prompts', async () => {
  const dir = folder('dangling', { 'good.prompt': 'hi\n' });
  symlinkSync(join(dir, 'nowhere'), join(dir, 'gone'));
  return checkFolder(dir);
});

// ---- partials (check and run) --------------------------------------------------------------------
const model = `model: ${stories}`;
for (const [i, name] of ['/../../outside/x', 'a/../../../outside/x', 'linked'].entries()) {
  add('partials', `{{> "${name}"}} in check and run`, async () => {
    const root = folder(`partial-${i}`);
    const dir = folder(relative(work, join(root, 'ws', 'p')), { 'main.prompt': `---\n${model}\n---\nA {{> "${name}"}} B\n` });
    // `_` goes before the name's first part only: `/../../outside/x` is outside/x.prompt.
    folder(relative(work, join(root, 'ws', 'outside')), { '_x.prompt': SECRET, 'x.prompt': SECRET });
    folder(relative(work, join(root, 'outside')), { '_x.prompt': SECRET, 'x.prompt': SECRET });
    symlinkSync(join(root, 'outside', '_x.prompt'), join(dir, '_linked.prompt'));
    const run = await cli(['run', join(dir, 'main.prompt'), '--max-tokens', '1', '--json', '--device', 'cpu']);
    if (run.hung) return 'hang';
    if ((run.stdout + run.stderr).includes(SECRET)) return 'unsafe';
    const check = await cli(['check', '--json', join(dir, 'main.prompt')]);
    return JSON.parse(check.stdout).errors > 0 ? 'clean' : 'wrong';
  });
}
add('partials', 'partials that include each other (a → b → a) at run time', async () => {
  const dir = folder('cycle', { '_a.prompt': 'A {{> b}}', '_b.prompt': 'B {{> a}}', 'main.prompt': `---\n${model}\n---\n{{> a}}\n` });
  const r = await cli(['run', join(dir, 'main.prompt'), '--max-tokens', '1', '--device', 'cpu']);
  return r.hung ? 'hang' : CRASH.test(r.stderr) ? 'crash' : r.status === 1 ? 'clean' : 'wrong';
});

// ---- export destinations ----------------------------------------------------------------------------
const EXPORTS = {
  'onto the source': () => {
    const src = join(work, 'exp-same');
    cpSync(stories, src, { recursive: true });
    return [src, src, work];
  },
  'inside the source': () => {
    const src = join(work, 'exp-inside');
    cpSync(stories, src, { recursive: true });
    return [src, join(src, 'out'), work];
  },
  'a folder of the user’s files': () => [stories, folder('exp-victim', { 'thesis.tex': 'years' }), work],
  '--out . in a folder of the user’s files': () => [stories, '.', folder('exp-cwd', { 'notes.txt': 'mine' })],
  'a new folder': () => [stories, join(work, 'exp-new'), work],
};
for (const [name, make] of Object.entries(EXPORTS)) {
  add('export', `export --out ${name}`, async () => {
    const [src, out, cwd] = make();
    // What the user has where the export reads and writes (other cases run beside this one).
    const places = [src, resolve(cwd, out), cwd === work ? undefined : cwd].filter((p) => p && existsSync(p) && lstatSync(p).isDirectory());
    const files = () => new Map(places.flatMap((p) => [...snapshot(p)].map(([f, b]) => [join(p, f), b])));
    const before = files();
    const r = await cli(['export', src, '--out', out], { cwd });
    const after = files();
    const lost = [...before.keys()].filter((f) => after.get(f) !== before.get(f));
    const stems = [`.${basename(resolve(cwd, out))}.tmp-`, `.${basename(out)}.tmp-`];
    const litter = readdirSync(dirname(resolve(cwd, out))).filter((f) => stems.some((stem) => f.startsWith(stem)));
    if (r.hung) return 'hang';
    if (lost.length > 0 || litter.length > 0) return 'data lost';
    return CRASH.test(r.stderr) ? 'crash' : 'clean';
  });
}

// ---- tasks on the real model (eval, tune, run) --------------------------------------------------------------
function taskPrompt(dir, { modelDir = stories, train = join(tinysent, 'train.jsonl'), dev = join(tinysent, 'dev.jsonl'), labels = '{ positive: " happy", negative: " sad" }' } = {}) {
  const file = join(dir, 'task.prompt');
  writeFileSync(
    file,
    `---\nmodel: ${modelDir}\ninput:\n  schema:\n    text: string\n  default:\n    text: Max made a new friend.\npromptsmith.task:\n  train: ${train}\n  dev: ${dev}\n  labels: ${labels}\npromptsmith.softPrompt: { tokens: 2, steps: 2, evalEvery: 1 }\n---\n{{text}} They were\n`,
  );
  return file;
}
function rows(name, edit) {
  const list = readFileSync(join(tinysent, 'dev.jsonl'), 'utf8').trim().split('\n').slice(0, 8).map((l) => JSON.parse(l));
  edit(list);
  const file = join(work, name);
  writeFileSync(file, list.map((r) => JSON.stringify(r)).join('\n'));
  return file;
}
function nanModel(name) {
  const dir = join(work, name);
  cpSync(stories, dir, { recursive: true });
  const bytes = readFileSync(join(dir, 'model.safetensors'));
  const start = 8 + Number(bytes.readBigUInt64LE(0));
  new Float32Array(bytes.buffer, bytes.byteOffset + start, Math.floor((bytes.length - start) / 4)).fill(Number.NaN);
  writeFileSync(join(dir, 'model.safetensors'), bytes);
  return dir;
}
function degenerate(name) {
  const dir = join(work, name);
  cpSync(stories, dir, { recursive: true });
  const t = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  t.model.vocab = Object.fromEntries(Object.entries(t.model.vocab).filter(([, id]) => id < 3));
  t.model.merges = [];
  t.model.byte_fallback = false;
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(t));
  return dir;
}
const refusedCleanly = (r) => (r.hung ? 'hang' : CRASH.test(r.stderr) ? 'crash' : r.status === 1 && r.stderr.trim().split('\n').length <= 3 ? 'clean' : 'wrong');
const TASKS = {
  'tune soft with a 1 MB training row': () => ['tune', 'soft', taskPrompt(folder('t-big'), { train: rows('big.jsonl', (l) => (l[3].text = 'a'.repeat(1e6))) }), '--device', 'cpu'],
  'eval with a 1 MB dev row': () => ['eval', taskPrompt(folder('e-big'), { dev: rows('big-dev.jsonl', (l) => (l[3].text = 'a'.repeat(1e6))) }), '--device', 'cpu'],
  'eval with all-NaN weights': () => ['eval', taskPrompt(folder('e-nan'), { modelDir: nanModel('nan-model') }), '--device', 'cpu'],
  'run with all-NaN weights': () => ['run', taskPrompt(folder('r-nan'), { modelDir: nanModel('nan-model-2') }), '--input', 'text=hi', '--device', 'cpu'],
  'eval with a degenerate tokenizer': () => ['eval', taskPrompt(folder('e-degen'), { modelDir: degenerate('degen-model') }), '--device', 'cpu'],
  'eval with rows missing the text field': () => ['eval', taskPrompt(folder('e-missing'), { dev: rows('missing.jsonl', (l) => delete l[2].text) }), '--device', 'cpu'],
  'eval with numbers and maps as text': () => {
    const dev = rows('types.jsonl', (l) => {
      l[2].text = 42;
      l[3].text = { a: 1 };
    });
    return ['eval', taskPrompt(folder('e-types'), { dev }), '--device', 'cpu'];
  },
  'eval with verbalizers that encode alike': () => ['eval', taskPrompt(folder('e-same'), { labels: '{ positive: " happy", negative: " happy" }' }), '--device', 'cpu'],
};
for (const [name, make] of Object.entries(TASKS)) add('tasks', name, async () => refusedCleanly(await cli(make(), { timeout: 180_000 })));
add('tasks', 'a weight_map naming a shard outside the model folder', async () => {
  const dir = join(work, 'sharded', 'model');
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) cpSync(join(stories, f), join(dir, f));
  cpSync(join(stories, 'model.safetensors'), join(work, 'sharded', 'outside.safetensors'));
  const bytes = readFileSync(join(stories, 'model.safetensors'));
  const names = Object.keys(JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString())).filter((n) => n !== '__metadata__');
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: Object.fromEntries(names.map((n) => [n, '../outside.safetensors'])) }));
  const r = await cli(['eval', taskPrompt(folder('e-shard'), { modelDir: dir }), '--device', 'cpu'], { timeout: 180_000 });
  return r.hung ? 'hang' : r.status === 0 ? 'unsafe' : refusedCleanly(r);
});
add('tasks', 'an export cache after config.json changes', async () => {
  const dir = join(work, 'cache-model');
  cpSync(stories, dir, { recursive: true });
  const file = taskPrompt(folder('e-cache'), { modelDir: dir });
  const first = await cli(['eval', file, '--json', '--device', 'cpu'], { timeout: 180_000 });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  config.hidden_size = 32; // the weights no longer fit: a new export must refuse, a stale one runs
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const second = await cli(['eval', file, '--json', '--device', 'cpu'], { timeout: 180_000 });
  if (first.hung || second.hung) return 'hang';
  return second.status === 0 ? 'wrong' : 'clean';
});

// ---- the language server ----------------------------------------------------------------------------
/** One server per case: a hang or a crash of one case never spills into the next. */
async function withServer(options, body) {
  const child = fork(serverJs, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env: { ...process.env, HOME: home } });
  const rpc = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const published = [];
  rpc.onNotification('textDocument/publishDiagnostics', (p) => published.push(p));
  rpc.onNotification('window/logMessage', () => {});
  rpc.listen();
  const within = (promise, ms) => Promise.race([promise, new Promise((r) => setTimeout(() => r('timeout'), ms))]);
  try {
    await within(rpc.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(options.root).href, workspaceFolders: [{ uri: pathToFileURL(options.root).href, name: 'ws' }], capabilities: {}, initializationOptions: { model: '', trusted: options.trusted } }), 10_000);
    await rpc.sendNotification('initialized', {});
    const open = async (path, text) => rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: pathToFileURL(path).href, languageId: 'dotprompt', version: 1, text } });
    const diagnostics = async (path, ms = 15_000) => {
      const uri = pathToFileURL(path).href;
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const hit = published.find((p) => p.uri === uri);
        if (hit) return hit.diagnostics;
        await new Promise((r) => setTimeout(r, 50));
      }
      return 'timeout';
    };
    const hover = (path, line, character, ms = 20_000) => within(rpc.sendRequest('textDocument/hover', { textDocument: { uri: pathToFileURL(path).href }, position: { line, character } }), ms);
    return await body({ open, diagnostics, hover, alive: () => child.exitCode === null && child.signalCode === null });
  } finally {
    rpc.dispose();
    child.kill('SIGKILL');
  }
}
function modelFolderWith(name, files) {
  const dir = folder(name);
  cpSync(join(stories, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  for (const [file, make] of Object.entries(files)) make(join(dir, file));
  return dir;
}
const TASK_DOC = (m) => `---\nmodel: ${m}\ninput:\n  default: { text: hi }\npromptsmith.task:\n  labels: { a: " yes", b: " no" }\n---\n{{text}} They were\n`;
add('language server', 'hover with a 10^10-step chat template (trusted)', async () => {
  const root = folder('ls-chat');
  modelFolderWith('ls-chat/model', { 'tokenizer_config.json': (p) => writeFileSync(p, JSON.stringify({ chat_template: '{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}' })) });
  return withServer({ root, trusted: true }, async (s) => {
    await s.open(join(root, 'a.prompt'), TASK_DOC('./model'));
    const h = await s.hover(join(root, 'a.prompt'), 7, 12);
    return h === 'timeout' ? 'hang' : s.alive() ? 'clean' : 'crash';
  });
});
add('language server', 'untrusted workspace: hover renders the template and runs the chat template', async () => {
  const root = folder('ls-untrusted');
  modelFolderWith('ls-untrusted/model', { 'tokenizer_config.json': (p) => writeFileSync(p, JSON.stringify({ chat_template: '{{ messages[0].content }}' })) });
  return withServer({ root, trusted: false }, async (s) => {
    await s.open(join(root, 'a.prompt'), TASK_DOC('./model'));
    const h = await s.hover(join(root, 'a.prompt'), 7, 12);
    if (h === 'timeout') return 'hang';
    return /\d+ tokens\*\* for/.test(JSON.stringify(h)) ? 'unsafe' : 'clean';
  });
});
add('language server', 'untrusted workspace: an absolute model path outside it is read', async () => {
  const root = folder('ls-abs');
  const outside = modelFolderWith('ls-abs-outside-model', {});
  return withServer({ root, trusted: false }, async (s) => {
    await s.open(join(root, 'a.prompt'), TASK_DOC(outside));
    const h = await s.hover(join(root, 'a.prompt'), 7, 12);
    if (h === 'timeout') return 'hang';
    return /\d+ tokens\*\* for/.test(JSON.stringify(h)) ? 'unsafe' : 'clean';
  });
});
for (const [name, make] of Object.entries({
  'a FIFO': (p) => execFileSync('mkfifo', [p]),
  'a link to /dev/zero': (p) => symlinkSync('/dev/zero', p),
})) {
  add('language server', `tokenizer.json is ${name}`, async () => {
    const root = folder(`ls-tok-${name.length}`);
    const dir = folder(`ls-tok-${name.length}/model`);
    make(join(dir, 'tokenizer.json'));
    return withServer({ root, trusted: true }, async (s) => {
      await s.open(join(root, 'a.prompt'), TASK_DOC('./model'));
      const d = await s.diagnostics(join(root, 'a.prompt'));
      const h = await s.hover(join(root, 'a.prompt'), 7, 12);
      if (d === 'timeout' || h === 'timeout') return 'hang';
      return s.alive() ? 'clean' : 'crash';
    });
  });
}
add('language server', 'a __proto__.x key, then another document', async () => {
  const root = folder('ls-proto');
  return withServer({ root, trusted: true }, async (s) => {
    await s.open(join(root, 'a.prompt'), '---\n__proto__.polluted: yes\n---\nhi\n');
    await s.diagnostics(join(root, 'a.prompt'));
    await s.open(join(root, 'b.prompt'), '---\ninput:\n  schema: { name: string }\n---\nHi {{nmae}}\n');
    const d = await s.diagnostics(join(root, 'b.prompt'));
    if (d === 'timeout') return 'hang';
    return d.some((x) => x.code === 'undefined-variable') ? 'clean' : 'crash';
  });
});

// ---- kill -9 and resume ---------------------------------------------------------------------------
add('resume', 'kill -9 of tune soft after a checkpoint, then --resume', async () => {
  const dir = folder('resume');
  const file = taskPrompt(dir);
  writeFileSync(file, readFileSync(file, 'utf8').replace('{ tokens: 2, steps: 2, evalEvery: 1 }', '{ tokens: 2, steps: 12, evalEvery: 4, init: TEXT, initText: "They felt", optimizer: adam, lr: 0.05 }'));
  const straight = await cli(['tune', 'soft', file, '--out', join(dir, 'straight'), '--device', 'cpu'], { cwd: dir, timeout: 180_000 });
  const runDir = await new Promise((done) => {
    const child = spawn(process.execPath, [cliJs, 'tune', 'soft', file, '--json', '--device', 'cpu'], { cwd: dir, env: { ...process.env, HOME: home } });
    let buffer = '';
    let run;
    child.stdout.on('data', (d) => {
      buffer += d;
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const e = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (e.type === 'run') run = e.dir;
        if (e.type === 'progress' && e.step >= 6) child.kill('SIGKILL');
      }
    });
    child.on('exit', () => done(run));
  });
  const resumed = await cli(['tune', 'soft', file, '--resume', runDir, '--device', 'cpu'], { cwd: dir, timeout: 180_000 });
  if (straight.hung || resumed.hung) return 'hang';
  const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  const same = existsSync(join(runDir, 'adapter', 'adapter_model.safetensors')) && readFileSync(join(runDir, 'adapter', 'adapter_model.safetensors')).equals(readFileSync(join(dir, 'straight', 'adapter_model.safetensors')));
  return meta.status === 'completed' && existsSync(join(runDir, 'result.json')) && same ? 'clean' : 'data lost';
});

// ---- run and tally ----------------------------------------------------------------------------------
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
if (only) cases.splice(0, cases.length, ...cases.filter((c) => c.group === only));
const results = new Array(cases.length);
let next = 0;
async function worker() {
  while (next < cases.length) {
    const i = next++;
    const started = Date.now();
    let outcome;
    try {
      outcome = await cases[i].run();
    } catch (err) {
      outcome = `harness error: ${err.message.split('\n')[0]}`;
    }
    results[i] = { ...cases[i], outcome, ms: Date.now() - started };
    process.stderr.write(`${String(i + 1).padStart(3)}/${cases.length} ${outcome.padEnd(10)} ${cases[i].group}: ${cases[i].name}\n`);
  }
}
await Promise.all([worker(), worker()]);
const OUTCOMES = ['clean', 'crash', 'hang', 'data lost', 'unsafe', 'wrong'];
const groups = [...new Set(results.map((r) => r.group))];
const table = groups.map((g) => {
  const rs = results.filter((r) => r.group === g);
  return { group: g, cases: rs.length, ...Object.fromEntries(OUTCOMES.map((o) => [o, rs.filter((r) => r.outcome === o).length])) };
});
const total = { group: 'all', cases: results.length, ...Object.fromEntries(OUTCOMES.map((o) => [o, results.filter((r) => r.outcome === o).length])) };
if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ dist, table: [...table, total], results: results.map(({ run: _run, ...r }) => r) }, null, 1)}\n`);
else {
  process.stdout.write(`${'group'.padEnd(18)} ${['cases', ...OUTCOMES].map((h) => h.padStart(9)).join(' ')}\n`);
  for (const row of [...table, total]) process.stdout.write(`${row.group.padEnd(18)} ${['cases', ...OUTCOMES].map((h) => String(row[h]).padStart(9)).join(' ')}\n`);
}
process.exit(0);
