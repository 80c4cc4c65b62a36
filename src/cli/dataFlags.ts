// `--data JSON|FILE` and `--input name=value`: Dotprompt's data argument for `render` and `run`.
// `--data` takes inline JSON (starting with `{`) or a JSON file; `--input` pairs override its
// `input` variables one by one.
import { readFileSync } from 'node:fs';
import { parseRenderData, type RenderData } from '../promptFile/renderData';
import { type FlagSpec, type ParsedArgs, UsageError } from './args';

export const dataFlags: Record<string, FlagSpec> = {
  data: { kind: 'string', description: 'Dotprompt data as JSON or a JSON file: {"input": {…}, "messages": [history], "context": {@-variables}}' },
  input: { kind: 'strings', description: 'a template variable, name=value (repeatable; overrides --data input)' },
};

export function parseInputs(pairs: readonly string[]): Record<string, string> {
  const input: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input needs name=value, got '${pair}'`);
    input[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return input;
}

/** The data the flags describe (an empty input when neither is given). */
export function renderDataFromFlags(args: ParsedArgs): RenderData {
  const text = args.flags['data'] as string | undefined;
  let data: RenderData = { input: {} };
  if (text !== undefined) {
    const inline = text.trimStart().startsWith('{');
    let raw: string;
    try {
      raw = inline ? text : readFileSync(text, 'utf8');
    } catch (err) {
      throw new UsageError(`--data: cannot read '${text}' (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give JSON starting with '{' or a JSON file`);
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new UsageError(`--data${inline ? '' : ` ${text}`}: invalid JSON (${(err as Error).message})`);
    }
    data = parseRenderData(value, inline ? '--data' : text);
  }
  const pairs = parseInputs((args.flags['input'] as string[] | undefined) ?? []);
  return { ...data, input: { ...data.input, ...pairs } };
}
