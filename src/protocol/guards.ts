// Small runtime checks for messages that cross a process boundary. Every received message is
// validated with these; a failure names the field so the log says what was wrong.

export class ProtocolError extends Error {}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectRecord(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw new ProtocolError(`${where}: expected an object`);
  return value;
}

export function expectString(obj: Record<string, unknown>, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== 'string') throw new ProtocolError(`${where}.${key}: expected a string`);
  return v;
}

export function expectNumber(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProtocolError(`${where}.${key}: expected a finite number`);
  return v;
}

export function optionalString(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  return obj[key] === undefined ? undefined : expectString(obj, key, where);
}

export function optionalNumber(obj: Record<string, unknown>, key: string, where: string): number | undefined {
  return obj[key] === undefined ? undefined : expectNumber(obj, key, where);
}

export function expectOneOf<T extends string>(obj: Record<string, unknown>, key: string, allowed: readonly T[], where: string): T {
  const v = obj[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ProtocolError(`${where}.${key}: expected one of ${allowed.join(', ')}`);
  }
  return v as T;
}

/** A plain object as JSON for the wire: undefined fields dropped, NaN/Infinity become null. */
export function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as Json;
}

export function optionalBoolean(obj: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ProtocolError(`${where}.${key}: expected true or false`);
  return v;
}

/** A whole number ≥ min, or undefined when absent. */
export function optionalInteger(obj: Record<string, unknown>, key: string, where: string, min: number): number | undefined {
  const v = optionalNumber(obj, key, where);
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new ProtocolError(`${where}.${key}: expected a whole number ≥ ${min}`);
  return v;
}

export function optionalOneOf<T extends string>(obj: Record<string, unknown>, key: string, allowed: readonly T[], where: string): T | undefined {
  return obj[key] === undefined ? undefined : expectOneOf(obj, key, allowed, where);
}

export function expectArray(obj: Record<string, unknown>, key: string, where: string): unknown[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new ProtocolError(`${where}.${key}: expected an array`);
  return v;
}

export function stringArray(obj: Record<string, unknown>, key: string, where: string): string[] {
  const v = expectArray(obj, key, where);
  v.forEach((s, i) => {
    if (typeof s !== 'string') throw new ProtocolError(`${where}.${key}[${i}]: expected a string`);
  });
  return v as string[];
}

export function numberArray(obj: Record<string, unknown>, key: string, where: string): number[] {
  const v = expectArray(obj, key, where);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ProtocolError(`${where}.${key}[${i}]: expected a finite number`);
  });
  return v as number[];
}

/** A map of name → finite number (metrics, probabilities). */
export function numberRecord(value: unknown, where: string): Record<string, number> {
  const r = expectRecord(value, where);
  const out: Record<string, number> = {};
  for (const key of Object.keys(r)) out[key] = expectNumber(r, key, where);
  return out;
}

/** A number, or null where the engine sends NaN/Infinity (JSON has neither). */
export function numberOrNull(obj: Record<string, unknown>, key: string, where: string): number | null {
  return obj[key] === null ? null : expectNumber(obj, key, where);
}

export function expectBoolean(obj: Record<string, unknown>, key: string, where: string): boolean {
  const v = obj[key];
  if (typeof v !== 'boolean') throw new ProtocolError(`${where}.${key}: expected true or false`);
  return v;
}

export function booleanArray(obj: Record<string, unknown>, key: string, where: string): boolean[] {
  const v = expectArray(obj, key, where);
  v.forEach((x, i) => {
    if (typeof x !== 'boolean') throw new ProtocolError(`${where}.${key}[${i}]: expected true or false`);
  });
  return v as boolean[];
}

/** A finite number > 0, or undefined when absent. */
export function optionalPositive(obj: Record<string, unknown>, key: string, where: string): number | undefined {
  const v = optionalNumber(obj, key, where);
  if (v !== undefined && !(v > 0)) throw new ProtocolError(`${where}.${key}: expected a number > 0`);
  return v;
}
