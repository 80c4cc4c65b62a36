// Corrupted model files, generated: safetensors cut at random points or with bytes of the header
// flipped, headers that claim huge tensors, config.json and tokenizer.json cut or garbled. Every
// reader answers with one line that names the file (never a stack trace, an allocation failure or
// a silent success with broken numbers).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildOnnxModel } from '../../../src/engine/onnx/export/exportModel';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { STORIES_ABSENT, storiesHfDir } from '../helpers/fixtures';
import { seededCases } from './hostileCases';

const stories = storiesHfDir();
const root = mkdtempSync(join(tmpdir(), 'ps-corrupt-'));

function oneLineNaming(file: string): (err: unknown) => boolean {
  return (err) => err instanceof Error && !err.message.includes('\n') && err.message.includes(file) && !/Maximum call stack|Cannot read propert|Array buffer allocation/.test(err.message);
}

test('generated corruptions of model.safetensors, config.json and tokenizer.json: one-line errors naming the file', { skip: stories ? false : STORIES_ABSENT }, () => {
  const weights = readFileSync(join(stories!, 'model.safetensors'));
  const headerLength = Number(weights.readBigUInt64LE(0));
  const config = readFileSync(join(stories!, 'config.json'), 'utf8');
  const tokenizer = readFileSync(join(stories!, 'tokenizer.json'), 'utf8');
  const tally = { cases: 0, refused: 0, loaded: 0 };
  for (const [i, random] of seededCases(60, 5).entries()) {
    const dir = join(root, `m${i}`);
    cpSync(stories!, dir, { recursive: true });
    const kind = i % 6;
    let target = 'model.safetensors';
    if (kind === 0) writeFileSync(join(dir, target), weights.subarray(0, Math.floor(random() * weights.length)));
    else if (kind === 1) {
      const bytes = Buffer.from(weights);
      for (let k = 0; k < 4; k++) bytes[8 + Math.floor(random() * headerLength)] = Math.floor(random() * 256);
      writeFileSync(join(dir, target), bytes);
    } else if (kind === 2) {
      const bytes = Buffer.from(weights);
      bytes.writeBigUInt64LE(BigInt(Math.floor(random() * 2 ** 52)), 0); // a header length that claims petabytes
      writeFileSync(join(dir, target), bytes);
    } else if (kind === 3) {
      const header = JSON.parse(weights.subarray(8, 8 + headerLength).toString());
      const name = Object.keys(header).find((k) => k !== '__metadata__')!;
      header[name].shape = [2 ** 31, 2 ** 31];
      const text = Buffer.from(JSON.stringify(header));
      const bytes = Buffer.alloc(8);
      bytes.writeBigUInt64LE(BigInt(text.length));
      writeFileSync(join(dir, target), Buffer.concat([bytes, text, weights.subarray(8 + headerLength)]));
    } else if (kind === 4) {
      target = 'config.json';
      writeFileSync(join(dir, target), random() < 0.5 ? config.slice(0, Math.floor(random() * config.length)) : config.replace(/\d+/g, () => String(Math.floor(random() * 1e9) - 5e8)));
    } else {
      target = 'tokenizer.json';
      writeFileSync(join(dir, target), tokenizer.slice(0, Math.floor(random() * tokenizer.length)));
    }
    tally.cases++;
    try {
      if (target === 'tokenizer.json') loadTokenizer(dir);
      else buildOnnxModel(dir);
      tally.loaded++; // a flip in a tensor's name or a metadata byte can leave a loadable file
    } catch (err) {
      assert.ok(oneLineNaming(target)(err), `case ${i} (${target}): ${(err as Error).stack}`);
      tally.refused++;
    }
  }
  console.log(`corrupt models: ${tally.cases} generated, ${tally.refused} one-line errors naming the file, ${tally.loaded} still loadable`);
  assert.ok(tally.refused >= tally.cases * 0.7);
});
