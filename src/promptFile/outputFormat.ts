// `output.format` / `output.schema` when a prompt runs, as Genkit does at generate time: the
// model is told the expected format (an output-instructions part, at `{{section "output"}}` if
// the template has one, else in the system message, else in the last user message), and the
// generated text is parsed and checked against the schema (ajv, JSON Schema draft 07 / 2019).
import Ajv, { type ValidateFunction } from 'ajv';
import type { Message, Part } from 'dotprompt';
import { type JsonSchema, picoschemaToJsonSchema } from './picoschemaJson';
import type { ParsedPromptFile } from './promptFile';

export type StructuredFormat = 'json' | 'array' | 'enum' | 'jsonl';

export interface OutputSpec {
  format: StructuredFormat;
  /** The schema as JSON Schema (Picoschema expanded); undefined: any JSON. */
  schema?: JsonSchema;
}

/** What the run's output was checked against, and the verdict (the protocol's type). */
export type { OutputCheck } from '../protocol/methods/runPrompt';
import type { OutputCheck } from '../protocol/methods/runPrompt';

const STRUCTURED: readonly string[] = ['json', 'array', 'enum', 'jsonl'];

/** The structured output a file asks for; undefined for text (or media) output. A schema without a format means json, as in Genkit. */
export function outputSpecOf(parsed: ParsedPromptFile): OutputSpec | undefined {
  const format = parsed.output?.format ?? (parsed.output?.schema !== undefined ? 'json' : undefined);
  if (!format || !STRUCTURED.includes(format)) return undefined;
  const schema = picoschemaToJsonSchema(parsed.output?.schema) ?? undefined;
  return { format: format as StructuredFormat, schema };
}

/** The instructions the model gets for the format (Promptsmith's wording of what Genkit's formatters say). */
export function outputInstructions(spec: OutputSpec): string | undefined {
  const schema = spec.schema ? JSON.stringify(spec.schema) : undefined;
  switch (spec.format) {
    case 'json':
      return schema ? `Reply with JSON only, matching this JSON Schema:\n\`\`\`\n${schema}\n\`\`\`\n` : 'Reply with JSON only.\n';
    case 'array':
      return schema ? `Reply with a JSON array only, each item matching this JSON Schema:\n\`\`\`\n${JSON.stringify(itemSchema(spec.schema))}\n\`\`\`\n` : 'Reply with a JSON array only.\n';
    case 'jsonl':
      return `Reply with one JSON object per line and nothing else${schema ? `, each matching this JSON Schema:\n\`\`\`\n${JSON.stringify(itemSchema(spec.schema))}\n\`\`\`` : '.'}\n`;
    case 'enum': {
      const values = enumValues(spec.schema);
      return values ? `Reply with exactly one of these values and nothing else:\n${values.map(String).join('\n')}\n` : undefined;
    }
  }
}

/** Puts the instructions where Genkit does; a template that already has an output part keeps it. */
export function injectOutputInstructions(messages: readonly Message[], instructions: string): Message[] {
  const part: Part = { text: instructions, metadata: { purpose: 'output' } };
  const isPending = (p: Part) => p.metadata?.purpose === 'output' && p.metadata?.pending === true;
  const pendingAt = messages.findIndex((m) => m.content.some(isPending));
  if (pendingAt !== -1) {
    return messages.map((m, i) => (i === pendingAt ? { ...m, content: m.content.map((p) => (isPending(p) ? part : p)) } : m));
  }
  if (messages.some((m) => m.content.some((p) => p.metadata?.purpose === 'output'))) return [...messages];
  let target = messages.findIndex((m) => m.role === 'system');
  if (target === -1) target = messages.map((m) => m.role).lastIndexOf('user');
  if (target === -1) return [...messages, { role: 'user', content: [part] }];
  // Parts are joined without a separator when the prompt becomes text: start the instructions on their own line.
  const last = messages[target]!.content.at(-1)?.text;
  const separated: Part = last && !last.endsWith('\n') ? { ...part, text: `\n\n${instructions}` } : part;
  return messages.map((m, i) => (i === target ? { ...m, content: [...m.content, separated] } : m));
}

function itemSchema(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (schema?.type === 'array' && schema.items && typeof schema.items === 'object') return schema.items as JsonSchema;
  return schema;
}

function enumValues(schema: JsonSchema | undefined): unknown[] | undefined {
  if (!schema) return undefined;
  if (Array.isArray(schema.enum)) return schema.enum.filter((v) => v !== null);
  return undefined;
}

const ajv = new Ajv({ strict: false, allErrors: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

/** Parses the generated text for the format and checks it against the schema. */
export function checkOutput(text: string, spec: OutputSpec): OutputCheck {
  const { format } = spec;
  let value: unknown;
  try {
    value = parseForFormat(text, spec);
  } catch (err) {
    return { format, valid: false, error: (err as Error).message };
  }
  if (!spec.schema) return { format, valid: true, value };
  let validate = compiled.get(spec.schema);
  if (!validate) {
    try {
      validate = ajv.compile(format === 'array' || format === 'jsonl' ? { type: 'array', items: itemSchema(spec.schema) ?? {} } : spec.schema);
    } catch (err) {
      return { format, valid: false, value, error: `output.schema is not a usable JSON Schema: ${(err as Error).message}` };
    }
    compiled.set(spec.schema, validate);
  }
  if (validate(value)) return { format, valid: true, value };
  const first = validate.errors?.[0];
  const where = first?.instancePath ? `at ${first.instancePath}` : 'the output';
  const detail = first?.keyword === 'additionalProperties' ? `has the extra property '${(first.params as { additionalProperty: string }).additionalProperty}'` : (first?.message ?? 'does not match');
  return { format, valid: false, value, error: `${where} ${detail} (output.schema)` };
}

function parseForFormat(text: string, spec: OutputSpec): unknown {
  if (spec.format === 'enum') {
    const answer = text.trim().replace(/^["'`]+|["'`.]+$/g, '');
    const values = enumValues(spec.schema);
    if (values && !values.some((v) => String(v) === answer)) throw new Error(`'${answer.slice(0, 60)}' is not one of ${values.map(String).join(', ')}`);
    return answer;
  }
  if (spec.format === 'jsonl') {
    const lines = stripFences(text)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{'));
    if (lines.length === 0) throw new Error('no JSON object lines in the output');
    return lines.map((line, i) => parseJson(line, `line ${i + 1}`));
  }
  const body = stripFences(text).trim();
  // Models often write a sentence before the JSON: start at the first object or array.
  const start = body.search(spec.format === 'array' ? /\[/ : /[[{]/);
  if (start !== -1) return parseJson(balancedPrefix(body.slice(start)), 'the output');
  if (spec.format === 'json' && /^("|-?\d|true$|false$|null$)/.test(body)) return parseJson(body, 'the output');
  throw new Error(`no JSON ${spec.format === 'array' ? 'array' : 'value'} in the output`);
}

/** ```json … ``` fences around the answer, as models often write. */
function stripFences(text: string): string {
  const fenced = /```(?:json|jsonl)?\s*\n([\s\S]*?)```/i.exec(text);
  return fenced ? fenced[1]! : text;
}

/** The first complete JSON object or array (text after it, such as an explanation, is ignored). */
function balancedPrefix(text: string): string {
  if (text[0] !== '{' && text[0] !== '[') return text;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(0, i + 1);
    }
  }
  return text;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid JSON (${(err as Error).message})`);
  }
}
