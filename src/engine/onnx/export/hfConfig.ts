// Reading a Hugging Face config.json: the file itself, and typed fields whose errors name the
// file and the field.
import { join } from 'node:path';
import { FILE_LIMITS, type FileReadError, readRegularFile } from '../../../modelFiles/regularFile';

export class ExportError extends Error {}

export interface HfConfig {
  path: string;
  json: Record<string, unknown>;
}

export function readHfConfig(dir: string): HfConfig {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = readRegularFile(path, FILE_LIMITS.json);
  } catch (e) {
    const reason = (e as FileReadError).reason;
    throw new ExportError(reason === 'ENOENT' ? `${path}: missing (a model folder needs config.json)` : (e as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ExportError(`${path}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ExportError(`${path}: not a JSON object`);
  return { path, json: json as Record<string, unknown> };
}

/** The architecture name: `architectures[0]`, else `model_type`, else undefined. */
export function architectureOf(config: HfConfig): string | undefined {
  const arch = config.json['architectures'];
  if (Array.isArray(arch) && typeof arch[0] === 'string') return arch[0];
  const type = config.json['model_type'];
  return typeof type === 'string' ? type : undefined;
}

/** A positive integer field (or `fallback` when absent/null). */
export function configInt(config: HfConfig, key: string, fallback?: number): number {
  const raw = config.json[key];
  const value = raw ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ExportError(`${config.path}: field '${key}' must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A finite number field (or `fallback` when absent/null). */
export function configNumber(config: HfConfig, key: string, fallback?: number): number {
  const raw = config.json[key];
  const value = raw ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ExportError(`${config.path}: field '${key}' must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

export function configBool(config: HfConfig, key: string, fallback: boolean): boolean {
  const raw = config.json[key];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== 'boolean') throw new ExportError(`${config.path}: field '${key}' must be true or false, got ${JSON.stringify(raw)}`);
  return raw;
}
