// The `promptsmith` settings the language server uses, sent by the client at start
// (initializationOptions) and on every change: the default model (for files without a local
// `model:`) and the helpers the application registers.
import { validHelperNames } from '../promptFile/declaredHelpers';

export interface ServerSettings {
  /** `promptsmith.model`. */
  model?: string;
  /** `promptsmith.customHelpers`. */
  customHelpers: string[];
}

/** Reads `{ promptsmith: { model, customHelpers } }`; wrong types are ignored. */
export function readServerSettings(settings: unknown): ServerSettings {
  const section = (settings as { promptsmith?: { model?: unknown; customHelpers?: unknown } } | undefined)?.promptsmith;
  const model = section?.model;
  const helpers = section?.customHelpers;
  return {
    model: typeof model === 'string' && model.trim() !== '' ? model.trim() : undefined,
    customHelpers: Array.isArray(helpers) ? validHelperNames(helpers) : [],
  };
}
