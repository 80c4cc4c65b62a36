// Export destinations a careless user gives, and checkpoints an attacker ships. Every file that
// existed before an export exists after it with the same bytes unless the export was asked to
// replace an earlier export (or --force); no temporary folder is left behind; a weight_map that
// names shards outside the checkpoint folder is refused before anything is read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { exportModel } from '../../../src/engine/onnx/export/exportModel';
import { SafetensorsCheckpoint } from '../../../src/engine/onnx/safetensors';
import { storiesHfDir, STORIES_ABSENT } from '../helpers/fixtures';
import { cliBundle } from '../host/engineBundle';

const stories = storiesHfDir();
const skip = stories ? false : STORIES_ABSENT;
const root = mkdtempSync(join(tmpdir(), 'ps-export-hostile-'));

/** Every file under `dir` with its bytes (links as their target text). */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(path);
      else if (st?.isFile()) files.set(relative(root, path), readFileSync(path).toString('base64'));
    }
  };
  walk(dir);
  return files;
}

function copyStories(name: string): string {
  const dir = join(root, name);
  cpSync(stories!, dir, { recursive: true });
  return dir;
}

interface Destination {
  name: string;
  /** Makes the case; returns [src, out, cwd]. */
  make(): [string, string, string];
  /** true: the export must succeed (replacing only an earlier export); false: refused. */
  allowed: boolean;
}

/** A folder under the test root holding `files` (name → text). */
function folderWith(name: string, files: Record<string, string> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const DESTINATIONS: Destination[] = [
  {
    name: '--out equal to the source',
    make: () => {
      const src = copyStories('same');
      return [src, src, root];
    },
    allowed: false,
  },
  {
    name: '--out inside the source',
    make: () => {
      const src = copyStories('inside');
      return [src, join(src, 'onnx-out'), root];
    },
    allowed: false,
  },
  {
    name: '--out holding the source',
    make: () => {
      const holder = folderWith('holder');
      cpSync(stories!, join(holder, 'model'), { recursive: true });
      return [join(holder, 'model'), holder, root];
    },
    allowed: false,
  },
  { name: '--out . in a folder of the user’s files', make: () => [stories!, '.', folderWith('cwd', { 'notes.txt': 'mine' })], allowed: false },
  { name: '--out a folder with the user’s files', make: () => [stories!, folderWith('victim', { 'thesis.tex': 'years of work' }), root], allowed: false },
  {
    name: '--out a link to the source',
    make: () => {
      const src = copyStories('linked');
      symlinkSync(src, join(root, 'link'));
      return [src, join(root, 'link'), root];
    },
    allowed: false,
  },
  {
    name: '--out an existing file',
    make: () => {
      writeFileSync(join(root, 'file.txt'), 'x');
      return [stories!, join(root, 'file.txt'), root];
    },
    allowed: false,
  },
  { name: '--out a new folder', make: () => [stories!, join(root, 'new', 'deeper'), root], allowed: true },
  { name: '--out an empty folder', make: () => [stories!, folderWith('empty'), root], allowed: true },
];

test('export destinations: nothing the export did not write is ever deleted, no temp folder is left', { skip }, () => {
  let refused = 0;
  for (const d of DESTINATIONS) {
    const [src, out, cwd] = d.make();
    const before = snapshot(root);
    const r = spawnSync(process.execPath, [cliBundle(), 'export', src, '--out', out], { cwd, encoding: 'utf8', timeout: 60_000 });
    const after = snapshot(root);
    for (const [file, bytes] of before) assert.equal(after.get(file), bytes, `${d.name}: ${file} was lost or changed`);
    const litter = [...after.keys(), ...readdirSync(root)].filter((f) => f.includes('.tmp-'));
    assert.deepEqual(litter, [], `${d.name}: left ${litter}`);
    if (d.allowed) {
      assert.equal(r.status, 0, `${d.name}: ${r.stderr}`);
      assert.ok(existsSync(join(resolve(cwd, out), 'onnx', 'model.onnx')));
    } else {
      assert.equal(r.status, 1, `${d.name}: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, /^promptsmith export: --out /);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      refused++;
    }
  }
  console.log(`export: ${DESTINATIONS.length} destinations, ${refused} refused, 0 files lost`);
});

test('an earlier export is replaced, --force replaces a folder of other files, and a failed export restores the old folder', { skip }, async () => {
  const out = join(root, 'again');
  await exportModel(stories!, out);
  const first = readFileSync(join(out, 'onnx', 'model.onnx'));
  await exportModel(stories!, out, { withPast: false });
  assert.notDeepEqual(readFileSync(join(out, 'onnx', 'model.onnx')), first);
  writeFileSync(join(out, 'mine.txt'), 'x');
  await assert.rejects(exportModel(stories!, out), /holds files no export wrote \(.*mine\.txt/);
  await exportModel(stories!, out, { force: true });
  assert.ok(!existsSync(join(out, 'mine.txt')));
  // A source that fails half way (a broken config.json) leaves the earlier export untouched.
  const broken = copyStories('broken-src');
  writeFileSync(join(broken, 'config.json'), '{');
  const kept = snapshot(out);
  await assert.rejects(exportModel(broken, out), /config\.json: not valid JSON/);
  assert.deepEqual(snapshot(out), kept);
  assert.deepEqual(readdirSync(root).filter((f) => f.includes('.tmp-')), []);
});

test('weight_map shard names that leave the checkpoint folder are refused before any shard is read', { skip }, () => {
  const outsideShard = join(root, 'outside.safetensors');
  cpSync(join(stories!, 'model.safetensors'), outsideShard);
  const names = ['../outside.safetensors', `${outsideShard}`, '../../../../../../etc/passwd', 'sub/../../outside.safetensors', 'sub/model.safetensors', '', 7, null, ['a']];
  let refused = 0;
  for (const [i, shard] of names.entries()) {
    const dir = join(root, `sharded-${i}`);
    mkdirSync(dir);
    cpSync(join(stories!, 'config.json'), join(dir, 'config.json'));
    const tensors = Object.keys(JSON.parse(readFileSync(join(stories!, 'model.safetensors')).subarray(8, 8 + readFileSync(join(stories!, 'model.safetensors')).readUInt32LE(0)).toString()));
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: Object.fromEntries(tensors.map((t) => [t, shard])) }));
    assert.throws(
      () => SafetensorsCheckpoint.open(dir),
      (err: Error) => /model\.safetensors\.index\.json: weight_map\['.*'\] (names|must be a file name)/.test(err.message) && !err.message.includes('\n'),
      `shard ${JSON.stringify(shard)}`,
    );
    refused++;
  }
  console.log(`weight_map: ${refused} shard names refused, none read`);
});
