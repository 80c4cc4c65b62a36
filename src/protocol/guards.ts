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
