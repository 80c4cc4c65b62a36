// Holding out a test set for a task that has none: the rows of train and dev are grouped by
// near-duplicates (the same event up to a name stays together), whole groups are drawn into a
// new test file, removed from train and dev, and `test:` is added to `promptsmith.task`. Pure:
// it returns the new file texts and the front-matter edit; the CLI writes them, the extension
// applies them as one WorkspaceEdit (undoable).
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { isMap } from 'yaml';
import { type ParsedPromptFile, spanOf } from '../promptFile/promptFile';
import { parseDataset } from './datasetFile';
import { groupedSplit } from './groupedSplit';
import { rowText } from './nearDuplicates';

export interface TestSplitOptions {
  /** Share of the rows to hold out (default 0.2). */
  fraction?: number;
  seed?: number;
}

export interface FileChange {
  path: string;
  text: string;
  /** True for the new test file. */
  created: boolean;
}

export interface TestSplitPlan {
  testFile: string;
  files: FileChange[];
  /** Insert/replace in the .prompt file's source. */
  frontMatterEdit: { start: number; end: number; newText: string };
  summary: string;
}

export class TestSplitError extends Error {}

/** A file's lines with their endings, so rows are moved byte for byte. */
function linesOf(text: string): string[] {
  return text.length === 0 ? [] : (text.match(/[^\n]*\n|[^\n]+$/g) ?? []);
}

const ensureNewline = (s: string) => (s === '' || s.endsWith('\n') ? s : `${s}\n`);

interface SourceRows {
  path: string;
  /** Lines before the first row (a CSV header). */
  head: string;
  blocks: string[];
  texts: string[];
  labels: (string | undefined)[];
}

function readSource(path: string): SourceRows {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TestSplitError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const { rows } = parseDataset(path, text);
  const lines = linesOf(text);
  const starts = rows.map((r) => r.line - 1);
  const blocks = starts.map((start, i) => ensureNewline(lines.slice(start, starts[i + 1] ?? lines.length).join('')));
  return { path, head: lines.slice(0, starts[0] ?? 0).join(''), blocks, texts: rows.map((r) => rowText(r.fields)), labels: rows.map((r) => r.label) };
}

/** Where `test: path` goes: a new line after the task's last dataset key, or into a flow map. */
function frontMatterEdit(parsed: ParsedPromptFile, relPath: string): TestSplitPlan['frontMatterEdit'] {
  const node = parsed.yaml?.getIn(['promptsmith.task'], true);
  const entry = `test: ${/^[\w./-]+$/.test(relPath) ? relPath : JSON.stringify(relPath)}`;
  if (isMap(node) && node.flow) {
    const span = spanOf(parsed, ['promptsmith.task'], 'value')!;
    const close = parsed.source.lastIndexOf('}', span.end);
    let at = close;
    while (at > span.start && /\s/.test(parsed.source[at - 1]!)) at--;
    return { start: at, end: at, newText: `, ${entry}` };
  }
  const after = spanOf(parsed, ['promptsmith.task', 'dev'], 'value') ?? spanOf(parsed, ['promptsmith.task', 'train'], 'value');
  const key = spanOf(parsed, ['promptsmith.task', 'dev'], 'key') ?? spanOf(parsed, ['promptsmith.task', 'train'], 'key');
  if (!after || !key) throw new TestSplitError('promptsmith.task has no train or dev dataset to split');
  const lineStart = parsed.source.lastIndexOf('\n', key.start - 1) + 1;
  const indent = parsed.source.slice(lineStart, key.start);
  const lineEnd = parsed.source.indexOf('\n', after.end);
  const at = lineEnd === -1 ? parsed.source.length : lineEnd > 0 && parsed.source[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
  const eol = parsed.source.includes('\r\n') ? '\r\n' : '\n';
  return { start: at, end: at, newText: `${eol}${indent}${entry}` };
}

export function planTestSplit(parsed: ParsedPromptFile, promptFile: string, options: TestSplitOptions = {}): TestSplitPlan {
  const fraction = options.fraction ?? 0.2;
  const seed = options.seed ?? 0;
  const task = parsed.task;
  if (!task) throw new TestSplitError(`${promptFile}: no promptsmith.task to split`);
  if (task.test !== undefined) throw new TestSplitError(`${promptFile}: promptsmith.task already has test: ${task.test}`);
  const base = dirname(promptFile);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const sources = [task.train, task.dev].filter((p): p is string => p !== undefined).map((p) => readSource(abs(p)));
  if (sources.length === 0) throw new TestSplitError(`${promptFile}: promptsmith.task has no train or dev dataset to split`);
  const first = sources[0]!;
  const csv = extname(first.path).toLowerCase() === '.csv';
  if (sources.some((s) => (extname(s.path).toLowerCase() === '.csv') !== csv || (csv && s.head !== first.head))) {
    throw new TestSplitError(`${sources.map((s) => s.path).join(' and ')}: train and dev differ in format or CSV header, so their rows cannot share one test file`);
  }
  const testFile = join(dirname(first.path), `test${csv ? '.csv' : '.jsonl'}`);
  if (existsSync(testFile)) throw new TestSplitError(`${testFile} already exists: add it as promptsmith.task.test, or move it away first`);
  const texts = sources.flatMap((s) => s.texts);
  const { heldOut, groups, groupCount } = groupedSplit(texts, { fraction, seed, labels: sources.flatMap((s) => s.labels) });
  let offset = 0;
  const files: FileChange[] = [];
  let testText = csv ? first.head : '';
  const counts: string[] = [];
  const heldLabels = new Map<string, number>();
  for (const source of sources) {
    const held = source.blocks.map((_, i) => heldOut[offset + i]!);
    source.labels.forEach((l, i) => {
      if (held[i] && l !== undefined) heldLabels.set(l, (heldLabels.get(l) ?? 0) + 1);
    });
    testText += source.blocks.filter((_, i) => held[i]).join('');
    const kept = source.blocks.filter((_, i) => !held[i]);
    if (kept.length === 0) throw new TestSplitError(`${source.path}: every row would move to the test set; lower --fraction`);
    files.push({ path: source.path, text: source.head + kept.join(''), created: false });
    counts.push(`${basename(source.path)} keeps ${kept.length} of ${source.blocks.length}`);
    offset += source.blocks.length;
  }
  const heldCount = heldOut.filter(Boolean).length;
  files.unshift({ path: testFile, text: testText, created: true });
  const rel = relative(base, testFile).split('\\').join('/');
  const labels = [...heldLabels.entries()].map(([l, n]) => `${l} ${n}`).join(', ');
  const movedGroups = new Set(groups.filter((_, i) => heldOut[i])).size;
  return {
    testFile,
    files,
    frontMatterEdit: frontMatterEdit(parsed, rel),
    summary: `${heldCount} of ${texts.length} rows (${movedGroups} of ${groupCount} groups of near-duplicates: same words up to names, numbers and pronouns) moved to ${rel}${labels ? ` (${labels})` : ''}; ${counts.join(', ')}.`,
  };
}
