// Input/output schemas of a .prompt file: Picoschema (Dotprompt's compact YAML schema) or JSON
// Schema. Checks Picoschema the way the library reads it, but synchronously and with the
// position of every mistake, and lists the declared fields for completion, hover and the
// undefined/unused variable checks.
import { type ParsedPromptFile, type PromptFileProblem, spanOf, type TextSpan } from './promptFile';
import { describe, isPlainObject } from './promptsmithSettings';

export const PICO_SCALAR_TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'any'] as const;

export interface SchemaField {
  name: string;
  /** e.g. 'string', 'array', 'object', 'enum', or a named schema. */
  type: string;
  description?: string;
  optional: boolean;
  /** Where the field's key is written. */
  keySpan?: TextSpan;
  /** Fields of an object, or of each item of an array of objects. */
  fields?: SchemaField[];
}

export interface SchemaInfo {
  kind: 'none' | 'picoschema' | 'jsonschema' | 'scalar' | 'named';
  fields: SchemaField[];
  /** Any other field is allowed too (`(*)` wildcard, JSON Schema without closed properties, named schema). */
  open: boolean;
  problems: PromptFileProblem[];
}

type Path = (string | number)[];

export function analyzeSchema(parsed: ParsedPromptFile, which: 'input' | 'output'): SchemaInfo {
  const schema = which === 'input' ? parsed.input.schema : parsed.output?.schema;
  const info: SchemaInfo = { kind: 'none', fields: [], open: true, problems: [] };
  if (schema === undefined || schema === null) return info;
  const path: Path = [which, 'schema'];
  if (typeof schema === 'string') {
    const [type] = splitDescription(schema);
    info.kind = (PICO_SCALAR_TYPES as readonly string[]).includes(type) ? 'scalar' : 'named';
    if (info.kind === 'named') checkType(parsed, info, type, path);
    return info;
  }
  if (isJsonSchema(schema)) {
    info.kind = 'jsonschema';
    const properties = isPlainObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required : [];
    for (const [name, prop] of Object.entries(properties)) {
      const p = isPlainObject(prop) ? prop : {};
      info.fields.push({
        name,
        type: typeof p.type === 'string' ? p.type : Array.isArray(p.type) ? p.type.join(' | ') : 'any',
        description: typeof p.description === 'string' ? p.description : undefined,
        optional: !required.includes(name),
        keySpan: spanOf(parsed, [...path, 'properties', name], 'key'),
      });
    }
    info.open = schema.additionalProperties !== false && Object.keys(properties).length === 0;
    return info;
  }
  if (!isPlainObject(schema)) {
    info.problems.push(problemAt(parsed, path, 'picoschema', 'error', `Picoschema must be a type string or a map of fields, got ${describe(schema)}`));
    return info;
  }
  info.kind = 'picoschema';
  info.open = false;
  for (const [key, value] of Object.entries(schema)) {
    if (key === '(*)') {
      info.open = true;
      checkPico(parsed, info, value, [...path, key]);
      continue;
    }
    const field = readFieldKey(parsed, info, key, value, [...path, key]);
    if (field) info.fields.push(field);
  }
  return info;
}

function isJsonSchema(schema: unknown): schema is Record<string, unknown> {
  if (!isPlainObject(schema)) return false;
  return (typeof schema.type === 'string' && [...PICO_SCALAR_TYPES, 'object', 'array'].includes(schema.type)) || isPlainObject(schema.properties);
}

function splitDescription(text: string): [string, string | undefined] {
  const comma = text.indexOf(',');
  if (comma === -1) return [text.trim(), undefined];
  return [text.slice(0, comma).trim(), text.slice(comma + 1).trim()];
}

function problemAt(parsed: ParsedPromptFile, path: Path, code: string, severity: PromptFileProblem['severity'], message: string, part: 'key' | 'value' = 'value'): PromptFileProblem {
  const span = spanOf(parsed, path, part) ?? spanOf(parsed, path, 'key') ?? parsed.frontMatter ?? { start: 0, end: 0 };
  return { code, severity, message, start: span.start, end: span.end };
}

/** A field key: `name`, `name?`, `name(array)`, `name?(object, description)`, `name(enum)`. */
function readFieldKey(parsed: ParsedPromptFile, info: SchemaInfo, key: string, value: unknown, path: Path): SchemaField | undefined {
  const open = key.indexOf('(');
  const rawName = (open === -1 ? key : key.slice(0, open)).trim();
  const optional = rawName.endsWith('?');
  const name = optional ? rawName.slice(0, -1) : rawName;
  const keySpan = spanOf(parsed, path, 'key');
  if (!/^[A-Za-z_$][\w$-]*$/.test(name)) {
    info.problems.push(problemAt(parsed, path, 'picoschema', 'error', `Picoschema field name '${name}' is not a valid name`, 'key'));
  }
  if (open === -1) {
    const { type, fields } = checkPico(parsed, info, value, path);
    const description = typeof value === 'string' ? splitDescription(value)[1] : undefined;
    return { name, type, description, optional, keySpan, fields };
  }
  if (!key.endsWith(')')) {
    info.problems.push(problemAt(parsed, path, 'picoschema', 'error', `Picoschema key '${key}' is missing ')'`, 'key'));
    return { name, type: 'any', optional, keySpan };
  }
  const [type, description] = splitDescription(key.slice(open + 1, -1));
  let fields: SchemaField[] | undefined;
  if (type === 'array') fields = checkPico(parsed, info, value, path).fields;
  else if (type === 'object') {
    if (!isPlainObject(value)) info.problems.push(problemAt(parsed, path, 'picoschema', 'error', `'${name}(object)' needs a map of fields, got ${describe(value)}`));
    else fields = checkPico(parsed, info, value, path).fields;
  } else if (type === 'enum') {
    if (!Array.isArray(value)) info.problems.push(problemAt(parsed, path, 'picoschema', 'error', `'${name}(enum)' needs a list of values, got ${describe(value)}`));
  } else {
    info.problems.push(problemAt(parsed, path, 'picoschema', 'error', `Picoschema parenthetical type must be array, object or enum, got '${type}'`, 'key'));
  }
  return { name, type, description, optional, keySpan, fields };
}

/** Checks a Picoschema value (type string or map of fields); returns its type and fields for display. */
function checkPico(parsed: ParsedPromptFile, info: SchemaInfo, value: unknown, path: Path): { type: string; fields?: SchemaField[] } {
  if (typeof value === 'string') {
    const [type] = splitDescription(value);
    checkType(parsed, info, type, path);
    return { type };
  }
  if (isPlainObject(value)) {
    if (isJsonSchema(value)) return { type: typeof value.type === 'string' ? value.type : 'object' };
    const fields: SchemaField[] = [];
    for (const [key, v] of Object.entries(value)) {
      if (key === '(*)') checkPico(parsed, info, v, [...path, key]);
      else {
        const field = readFieldKey(parsed, info, key, v, [...path, key]);
        if (field) fields.push(field);
      }
    }
    return { type: 'object', fields };
  }
  info.problems.push(problemAt(parsed, path, 'picoschema', 'error', `Picoschema values are type strings (e.g. 'string, a description') or maps of fields, got ${describe(value)}`));
  return { type: 'any' };
}

/** `string[]` (and `Recipe[]`, `string[][]`): the array shorthand of Dotprompt's examples and its Dart package. */
export function arrayItemType(type: string): string | undefined {
  return type.endsWith('[]') ? type.slice(0, -2).trimEnd() : undefined;
}

function checkType(parsed: ParsedPromptFile, info: SchemaInfo, written: string, path: Path): void {
  let type = written;
  for (let item = arrayItemType(type); item !== undefined; item = arrayItemType(type)) type = item;
  if ((PICO_SCALAR_TYPES as readonly string[]).includes(type)) return;
  if (/^[A-Z]/.test(type)) {
    // Genkit resolves named schemas from its registry; here there is none, so it is not an error.
    info.problems.push(problemAt(parsed, path, 'picoschema-named-schema', 'information', `'${type}' is a named schema; Promptsmith has no schema registry and treats it as any`));
    return;
  }
  const known = PICO_SCALAR_TYPES.join(', ');
  const why = type === '' ? `'${written}' has no item type before '[]'` : `unknown Picoschema type '${written}'`;
  info.problems.push(problemAt(parsed, path, 'picoschema', 'error', `${why} (known: ${known}, an array of them such as string[]; or a named schema starting with a capital)`));
}
