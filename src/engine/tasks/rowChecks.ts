// What a dataset row must be for the template to mean what the user thinks: every field the
// template needs is there (a missing one would render the input default, or nothing), each
// field has the type input.schema gives it (a number or a map where text is expected is
// rendered as "42" or "[object Object]"), and the rendered prompt fits the model. Labels must
// be told apart: two verbalizers that encode to the same tokens always score the same.
import type { ParsedPromptFile } from '../../promptFile/promptFile';
import { analyzeSchema, type SchemaField } from '../../promptFile/schemaAnalysis';
import { type DatasetRow, DatasetError } from './dataset';

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}

/** Why `value` does not fit a field of type `type`, or undefined when it does (or the type is not checked). */
function typeProblem(field: SchemaField, value: unknown): string | undefined {
  const fits: Record<string, (v: unknown) => boolean> = {
    string: (v) => typeof v === 'string',
    number: (v) => typeof v === 'number',
    integer: (v) => Number.isInteger(v),
    boolean: (v) => typeof v === 'boolean',
    array: (v) => Array.isArray(v),
    object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  };
  const check = Object.hasOwn(fits, field.type) ? fits[field.type] : undefined;
  if (!check || check(value)) return undefined;
  return `field '${field.name}' is ${typeOf(value)}, but input.schema says ${field.type}`;
}

/**
 * Throws a DatasetError naming every row (file:line) that lacks a field the template needs —
 * a required field of input.schema, or one that input.default fills in — or has one of the
 * wrong type. Fields of CSV rows are strings, and a string field may be the empty string.
 */
export function checkRowInputs(parsed: ParsedPromptFile, file: string, rows: readonly DatasetRow[]): void {
  const fields = analyzeSchema(parsed, 'input').fields;
  const defaults = parsed.input.default ?? {};
  const needed = new Set([...fields.filter((f) => !f.optional).map((f) => f.name), ...Object.keys(defaults)]);
  const problems: { line: number; message: string }[] = [];
  for (const row of rows) {
    for (const name of needed) {
      if (row.fields[name] !== undefined) continue;
      const instead = Object.hasOwn(defaults, name) ? `the template would render the input default ${JSON.stringify(defaults[name])}` : 'the template would render it empty';
      problems.push({ line: row.line, message: `missing field '${name}': ${instead}` });
    }
    for (const field of fields) {
      const value = row.fields[field.name];
      if (value === undefined) continue;
      const why = typeProblem(field, value);
      if (why) problems.push({ line: row.line, message: why });
    }
  }
  if (problems.length > 0) throw new DatasetError(file, problems);
}

/** Throws when two labels' verbalizers encode to the same token ids (they could never be told apart). */
export function checkDistinctVerbalizers(labels: Readonly<Record<string, string>>, ids: readonly (readonly number[])[], where: string): void {
  const names = Object.keys(labels);
  const seen = new Map<string, string>();
  names.forEach((label, i) => {
    const key = ids[i]!.join(',');
    const other = seen.get(key);
    if (other !== undefined) {
      throw new Error(
        `${where}: the verbalizers of '${other}' (${JSON.stringify(labels[other])}) and '${label}' (${JSON.stringify(labels[label])}) encode to the same tokens [${key}]; the model could never tell them apart (check the verbalizers and the model's tokenizer)`,
      );
    }
    seen.set(key, label);
  });
}

/** Throws naming the row when its prompt and longest verbalizer do not fit the model's context. */
export function checkPromptFits(file: string, line: number, promptTokens: number, longestVerbalizer: number, context: number | undefined): void {
  if (context === undefined || promptTokens + longestVerbalizer <= context) return;
  throw new DatasetError(file, [{ line, message: `the rendered prompt is ${promptTokens} tokens; with the longest verbalizer (${longestVerbalizer}) that is more than the model's context of ${context} tokens` }]);
}

/**
 * Throws naming the row when its rendered prompt shows a map as "[object Object]" (a field the
 * template prints holds a map; without input.schema nothing else says so).
 */
export function checkRenderedRow(file: string, row: DatasetRow, text: string): void {
  if (!text.includes('[object Object]')) return;
  const maps = Object.entries(row.fields).filter(([, v]) => typeof v === 'object' && v !== null && !Array.isArray(v)).map(([k]) => `'${k}'`);
  throw new DatasetError(file, [{ line: row.line, message: `the template printed a map as "[object Object]" (field${maps.length === 1 ? '' : 's'} ${maps.join(', ') || 'unknown'} hold${maps.length === 1 ? 's' : ''} a map; give text, or print its parts)` }]);
}
