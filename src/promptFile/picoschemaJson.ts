// Picoschema → JSON Schema, as Dotprompt's renderMetadata expands `input.schema` and
// `output.schema`, plus the `type[]` array shorthand that Dotprompt's own examples and its Dart
// package use (the JS library rejects it). Named schemas come from `schemas`; without an entry
// they become `{}` (any), as the language server reports them (no registry here).
import { isPlainObject } from './promptsmithSettings';

export type JsonSchema = Record<string, unknown>;

const SCALAR_TYPES = ['any', 'boolean', 'integer', 'null', 'number', 'string'];
const JSON_SCHEMA_TYPES = [...SCALAR_TYPES, 'object', 'array'];

export class PicoschemaError extends Error {}

/** `type, description` → [type, description]; only the first comma splits. */
function splitDescription(text: string): [string, string | undefined] {
  const comma = text.indexOf(',');
  if (comma === -1) return [text.trim(), undefined];
  return [text.slice(0, comma).trim(), text.slice(comma + 1).trim()];
}

/** JSON Schema (or null for no schema) for a schema as written in the front matter. */
export function picoschemaToJsonSchema(schema: unknown, schemas: Readonly<Record<string, JsonSchema>> = {}): JsonSchema | null {
  if (schema === undefined || schema === null || schema === '') return null;
  if (typeof schema === 'string') {
    const [type, description] = splitDescription(schema);
    // Top level: `any` stays a type here, as Dotprompt keeps it.
    const out = SCALAR_TYPES.includes(type) ? { type } : typeSchema(type, schemas);
    return description ? { ...out, description } : out;
  }
  if (isPlainObject(schema)) {
    if (typeof schema.type === 'string' && JSON_SCHEMA_TYPES.includes(schema.type)) return schema;
    if (isPlainObject(schema.properties)) return { ...schema, type: 'object' };
  }
  return fromPico(schema, schemas);
}

function typeSchema(type: string, schemas: Readonly<Record<string, JsonSchema>>): JsonSchema {
  if (type.endsWith('[]')) return { type: 'array', items: typeSchema(type.slice(0, -2).trimEnd(), schemas) };
  if (type === 'any') return {};
  if (SCALAR_TYPES.includes(type)) return { type };
  if (Object.hasOwn(schemas, type)) return schemas[type]!;
  if (/^[A-Z]/.test(type)) return {};
  throw new PicoschemaError(`Picoschema: unknown type '${type}'`);
}

function fromPico(value: unknown, schemas: Readonly<Record<string, JsonSchema>>): JsonSchema {
  if (typeof value === 'string') {
    const [type, description] = splitDescription(value);
    const out = typeSchema(type, schemas);
    return description ? { ...out, description } : out;
  }
  if (!isPlainObject(value)) throw new PicoschemaError(`Picoschema: only maps and type strings are allowed, got ${JSON.stringify(value)}`);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const out: JsonSchema = { type: 'object', properties, required, additionalProperties: false };
  for (const [key, field] of Object.entries(value)) {
    if (key === '(*)') {
      out.additionalProperties = fromPico(field, schemas);
      continue;
    }
    const open = key.indexOf('(');
    const rawName = open === -1 ? key : key.slice(0, open);
    const optional = rawName.endsWith('?');
    const name = optional ? rawName.slice(0, -1) : rawName;
    if (!optional) required.push(name);
    if (open === -1) {
      const prop = { ...fromPico(field, schemas) };
      if (optional && typeof prop.type === 'string') prop.type = [prop.type, 'null'];
      properties[name] = prop;
      continue;
    }
    const [type, description] = splitDescription(key.slice(open + 1, key.endsWith(')') ? -1 : undefined));
    let prop: JsonSchema;
    if (type === 'array') prop = { type: optional ? ['array', 'null'] : 'array', items: fromPico(field, schemas) };
    else if (type === 'object') {
      prop = fromPico(field, schemas);
      if (optional) prop.type = [prop.type, 'null'];
    } else if (type === 'enum') {
      if (!Array.isArray(field)) throw new PicoschemaError(`Picoschema: '${key}' needs a list of values`);
      prop = { enum: optional && !field.includes(null) ? [...field, null] : [...field] };
    } else throw new PicoschemaError(`Picoschema: parenthetical types must be object, array or enum, got '${type}'`);
    if (description) prop.description = description;
    properties[name] = prop;
  }
  if (required.length === 0) delete out.required;
  return out;
}
