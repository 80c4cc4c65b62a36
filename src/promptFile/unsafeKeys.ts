// Keys that name JavaScript's object machinery. A front-matter key such as `__proto__.polluted`
// assigned into a plain object writes onto Object.prototype for the whole process, and a lookup
// such as `table['constructor']` finds a function that no table declared. Parsed data never
// assigns such keys, and tables are read through ownValue.
import { type Document, isScalar, type Scalar, visit } from 'yaml';

/** Names that reach an object's prototype or its constructor when used as a property name. */
const UNSAFE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** The dotted segment of `key` that is unsafe, if any (`a.__proto__.b` → `__proto__`). */
export function unsafeSegmentOf(key: string): string | undefined {
  return key.split('.').find((segment) => UNSAFE_NAMES.has(segment));
}

/** A table's own entry for `key`; never an inherited one (`toString`, `constructor`, …). */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** A map for data whose keys come from a file: no prototype, so no key can reach one. */
export function dataMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A lookup table without a prototype: `'constructor' in table` and `table.toString` find nothing. */
export function ownTable<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.assign(dataMap<T>(), entries);
}

/** Scalar keys anywhere in the front matter with a `__proto__`, `constructor` or `prototype` segment. */
export function findUnsafeKeys(doc: Document.Parsed): Scalar[] {
  const found: Scalar[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && unsafeSegmentOf(String(pair.key.value)) !== undefined) found.push(pair.key);
    },
  });
  return found;
}

/** The parsed value with every unsafe key left out, at any depth (they are reported, never used). */
export function withoutUnsafeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUnsafeKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (unsafeSegmentOf(key) === undefined) out[key] = withoutUnsafeKeys(v);
  }
  return out;
}
