// Labelled datasets as text: JSON Lines (one object per line) or CSV with a header row. Every bad
// row is reported with its file and line; nothing is silently dropped. Pure (no file reading), so
// the language server's data checks and the engine's loader parse the same way.
import { extname } from 'node:path';
import { CsvSyntaxError, parseCsv } from './csv';

export interface DatasetRow {
  /** 1-based line in the source file (for messages). */
  line: number;
  /** The row's fields; template variables come from here. */
  fields: Record<string, unknown>;
  /** The row's label, when the dataset is labelled. */
  label?: string;
}

export interface Dataset {
  file: string;
  rows: DatasetRow[];
}

export interface LoadDatasetOptions {
  /** Field that holds the label (default 'label'). */
  labelField?: string;
  /** When given, every row must have a label from this list. */
  labels?: readonly string[];
  /** Fields every row must have (e.g. the template's variables). */
  requiredFields?: readonly string[];
}

export class DatasetError extends Error {
  constructor(
    readonly file: string,
    readonly problems: { line: number; message: string }[],
  ) {
    const shown = problems.slice(0, 5).map((p) => `${file}:${p.line}: ${p.message}`);
    // The first line stands alone where only one line is shown (the engine's errors): it says how many more there are.
    const lines = [...new Set(problems.slice(1).map((p) => p.line))];
    if (lines.length > 0) shown[0] += ` (and problems on ${lines.length} more line${lines.length === 1 ? '' : 's'}: ${lines.slice(0, 5).join(', ')}${lines.length > 5 ? ', …' : ''})`;
    const more = problems.length > 5 ? `\n… and ${problems.length - 5} more bad rows` : '';
    super(`${shown.join('\n')}${more}`);
  }
}

export function parseDataset(file: string, text: string, options: LoadDatasetOptions = {}): Dataset {
  const parsed = extname(file).toLowerCase() === '.csv' ? parseCsvRows(file, text) : parseJsonlRows(text);
  const problems = [...parsed.problems];
  const labelField = options.labelField ?? 'label';
  const rows: DatasetRow[] = [];
  for (const { line, fields } of parsed.rows) {
    const missing = (options.requiredFields ?? []).filter((f) => fields[f] === undefined || fields[f] === '');
    if (missing.length > 0) {
      problems.push({ line, message: `missing field${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}` });
      continue;
    }
    const rawLabel = fields[labelField];
    if (rawLabel === undefined) {
      if (options.labels) problems.push({ line, message: `missing field '${labelField}'` });
      else rows.push({ line, fields });
      continue;
    }
    const label = typeof rawLabel === 'string' ? rawLabel : typeof rawLabel === 'number' || typeof rawLabel === 'boolean' ? String(rawLabel) : undefined;
    if (label === undefined) {
      problems.push({ line, message: `field '${labelField}' must be a string` });
      continue;
    }
    if (options.labels && !options.labels.includes(label)) {
      problems.push({ line, message: `label '${label}' is not one of ${options.labels.map((l) => `'${l}'`).join(', ')}` });
      continue;
    }
    rows.push({ line, fields, label });
  }
  if (problems.length > 0) throw new DatasetError(file, problems.sort((a, b) => a.line - b.line));
  if (rows.length === 0) throw new DatasetError(file, [{ line: 1, message: 'dataset has no rows' }]);
  return { file, rows };
}

interface RawRows {
  rows: { line: number; fields: Record<string, unknown> }[];
  problems: { line: number; message: string }[];
}

function parseJsonlRows(text: string): RawRows {
  const out: RawRows = { rows: [], problems: [] };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      out.problems.push({ line, message: `invalid JSON (${(err as Error).message})` });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.problems.push({ line, message: 'expected a JSON object' });
      return;
    }
    out.rows.push({ line, fields: value as Record<string, unknown> });
  });
  return out;
}

function parseCsvRows(file: string, text: string): RawRows {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new DatasetError(file, [{ line: err.line, message: err.message }]);
    throw err;
  }
  const out: RawRows = { rows: [], problems: [] };
  const [header, ...body] = records;
  if (!header) return out;
  const names = header.cells.map((c) => c.trim());
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) out.problems.push({ line: header.line, message: `duplicate column '${duplicate}'` });
  for (const record of body) {
    if (record.cells.length !== names.length) {
      out.problems.push({ line: record.line, message: `expected ${names.length} columns, found ${record.cells.length}` });
      continue;
    }
    out.rows.push({ line: record.line, fields: Object.fromEntries(names.map((n, i) => [n, record.cells[i]])) });
  }
  return out;
}
