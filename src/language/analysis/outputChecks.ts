// `output:` as Genkit reads it: a format it has a formatter for (others fail at generate time),
// and a schema only where the format uses one.
import { type ParsedPromptFile, type PromptFileProblem, spanOf } from '../../promptFile/promptFile';

/** Genkit's built-in output formats (plus `media`, which Dotprompt's types name). */
export const OUTPUT_FORMATS: Readonly<Record<string, string>> = {
  text: 'Plain text (the default without a schema).',
  json: 'A JSON value; with `schema`, the model is told the schema and the output is checked against it.',
  array: 'A JSON array (of `schema` items).',
  enum: 'One of the values of an enum `schema`.',
  jsonl: 'One JSON object per line (each a `schema` item).',
  media: 'A generated image or other media (hosted models only).',
};

export function checkOutput(parsed: ParsedPromptFile): PromptFileProblem[] {
  const output = parsed.data.output;
  if (output === null || typeof output !== 'object' || Array.isArray(output)) return [];
  const format = (output as Record<string, unknown>).format;
  if (format === undefined) return [];
  const span = spanOf(parsed, ['output', 'format'], 'value') ?? spanOf(parsed, ['output'], 'key') ?? { start: 0, end: 0 };
  const known = Object.keys(OUTPUT_FORMATS).join(', ');
  if (typeof format !== 'string') return [{ code: 'output-format', severity: 'error', message: `output.format must be one of ${known}`, ...span }];
  if (Object.hasOwn(OUTPUT_FORMATS, format)) return [];
  return [{ code: 'output-format', severity: 'warning', message: `Dotprompt and Genkit know no output format '${format}' (known: ${known})`, ...span }];
}
