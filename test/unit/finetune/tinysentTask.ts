// A .prompt file for the tinysent task on the real stories260k (train/dev/test from ../shared),
// written into a fresh temporary folder, with optional promptsmith.finetune settings.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storiesHfDir, tinysentDir } from '../helpers/fixtures';

export function tinysentPromptFile(finetune: Record<string, string | number> = {}, options: { test?: boolean } = {}): { dir: string; file: string } {
  const data = tinysentDir()!;
  const dir = mkdtempSync(join(tmpdir(), 'ps-finetune-'));
  const settings = Object.entries(finetune).map(([k, v]) => `  ${k}: ${v}\n`).join('');
  const test = options.test === false ? '' : `  test: ${join(data, 'test.jsonl')}\n`;
  const file = join(dir, 'sentiment.prompt');
  writeFileSync(
    file,
    `---\nmodel: ${storiesHfDir()}\npromptsmith.task:\n  train: ${join(data, 'train.jsonl')}\n  dev: ${join(data, 'dev.jsonl')}\n${test}  labels:\n    positive: " happy"\n    negative: " sad"\n` +
      (settings ? `promptsmith.finetune:\n${settings}` : '') +
      '---\n{{text}} They were\n',
  );
  return { dir, file };
}
