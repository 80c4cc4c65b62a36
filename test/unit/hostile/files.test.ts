// Files that are not what their names say: a `.prompt` that is a FIFO, a tokenizer.json that is a
// FIFO or a link to /dev/zero, a dataset or config.json that is a pipe, folders whose links loop,
// dangling links. Every reader refuses them at once with the file named; `check` goes on with the
// other files. Each case runs in a child process under a timeout: a hang fails its test instead
// of stopping the suite.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPromptFile, expandPromptPaths } from '../../../src/cli/commands/check';
import { loadDataset } from '../../../src/engine/tasks/dataset';
import { resolveModelFolder } from '../../../src/engine/runtime/modelFolder';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { readPromptFile } from '../../../src/promptFile/promptFile';
import { storiesHfDir, STORIES_ABSENT } from '../helpers/fixtures';
import { cliBundle } from '../host/engineBundle';
import { hostileTest as test, isolated } from './hostileCases';

const root = mkdtempSync(join(tmpdir(), 'ps-files-'));

function fifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

const checkFolder = isolated('check a folder of odd files', () => {
  const dir = join(root, 'prompts');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  fifo(join(dir, 'pipe.prompt'));
  writeFileSync(join(dir, 'good.prompt'), '---\nmodel: x\n---\nhi\n');
  writeFileSync(join(dir, 'sub', 'also.prompt'), 'hi\n');
  symlinkSync(dir, join(dir, 'sub', 'loop'));
  symlinkSync(dir, join(dir, 'loop2'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  symlinkSync('/dev/zero', join(dir, 'zero.prompt'));
  const files = expandPromptPaths([dir]);
  assert.deepEqual(
    files.map((f) => f.slice(dir.length + 1)),
    ['good.prompt', 'pipe.prompt', 'sub/also.prompt', 'zero.prompt'],
  );
  const checked = files.map((f) => checkPromptFile(f));
  assert.deepEqual(
    checked.map((c) => c.diagnostics.map((d) => d.code)),
    [[], ['file-unreadable'], [], ['file-unreadable']],
  );
  assert.match(checked[1]!.diagnostics[0]!.message, /not a regular file \(a named pipe\)/);
  assert.match(checked[3]!.diagnostics[0]!.message, /not a regular file \(a character device\)/);
});

test('a folder with a FIFO named x.prompt, looping links and a dangling link: check reports each and finishes', () => {
  checkFolder();
  // The CLI too: it ends, exit 1, every file listed.
  const dir = join(root, 'cli');
  mkdirSync(dir);
  fifo(join(dir, 'pipe.prompt'));
  writeFileSync(join(dir, 'good.prompt'), 'hi\n');
  symlinkSync(dir, join(dir, 'loop'));
  const cli = spawnSync(process.execPath, [cliBundle(), 'check', '--json', dir], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(cli.status, 1, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).files.length, 2);
});

const stories = storiesHfDir();

const tokenizerFiles = isolated('tokenizer files', () => {
  if (!stories) return;
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['fifo', (d) => fifo(join(d, 'tokenizer.json')), /tokenizer\.json: not a regular file \(a named pipe\)/],
    ['zero', (d) => symlinkSync('/dev/zero', join(d, 'tokenizer.json')), /tokenizer\.json: not a regular file \(a character device\)/],
    [
      'big config',
      (d) => {
        symlinkSync(join(stories, 'tokenizer.json'), join(d, 'tokenizer.json'));
        writeFileSync(join(d, 'tokenizer_config.json'), `{"pad": "${'x'.repeat(65 * 1024 * 1024)}"}`);
      },
      /tokenizer_config\.json: 65 MB, more than the 64 MB Promptsmith reads/,
    ],
  ];
  for (const [name, make, expected] of cases) {
    const dir = join(root, `tok-${name.replace(' ', '-')}`);
    mkdirSync(dir);
    make(dir);
    assert.throws(() => loadTokenizer(dir), (err: Error) => expected.test(err.message) && !err.message.includes('\n'));
  }
});

test('tokenizer.json as a FIFO or a link to /dev/zero, an oversized tokenizer_config.json: one-line errors, no hang, no growth', { skip: stories ? false : STORIES_ABSENT }, () => tokenizerFiles());

const engineFiles = isolated('engine files', async () => {
  const dir = join(root, 'engine-files');
  mkdirSync(join(dir, 'model'), { recursive: true });
  assert.throws(() => readPromptFile(fifo(join(dir, 'p.prompt'))), /p\.prompt: not a regular file \(a named pipe\)/);
  await assert.rejects(loadDataset(fifo(join(dir, 'd.jsonl'))), /d\.jsonl:0: cannot read dataset \(not a regular file \(a named pipe\)/);
  fifo(join(dir, 'model', 'config.json'));
  writeFileSync(join(dir, 'model', 'tokenizer.json'), '{}');
  mkdirSync(join(dir, 'model', 'onnx'));
  writeFileSync(join(dir, 'model', 'onnx', 'model.onnx'), 'x');
  await assert.rejects(resolveModelFolder(join(dir, 'model')), /config\.json: not a regular file \(a named pipe\)/);
});

test('a .prompt file, a dataset and a config.json that are pipes: refused by the engine readers', () => engineFiles());
