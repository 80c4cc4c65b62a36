// A .prompt file's text for another folder and, optionally, another model: the paths its front
// matter holds (datasets, the saved soft prompt, a model folder) made absolute so they still name
// the same files, and `model:` replaced. Comments are not kept; partials (`{{> name}}`, read from
// the file's own folder) are not carried. Used where a derived file must not be written beside
// the user's (e.g. the demo pointed at another model).
import { dirname, isAbsolute, resolve } from 'node:path';
import { stringify } from 'yaml';
import { parsePromptFile, resolveModelRef } from './promptFile';
import { PromptFileError } from './promptFileError';

const TASK_PATHS = ['train', 'dev', 'test'] as const;

export function relocatedPromptSource(source: string, promptFile: string, options: { model?: string } = {}): string {
  const parsed = parsePromptFile(source);
  const fatal = parsed.problems.find((p) => p.severity === 'error');
  if (fatal) throw new PromptFileError(`${promptFile}: ${fatal.message}`);
  const dir = dirname(promptFile);
  const absolute = (p: unknown) => (typeof p === 'string' && !isAbsolute(p) ? resolve(dir, p) : p);
  const data: Record<string, unknown> = structuredClone(parsed.data);
  const model = options.model ?? parsed.model;
  if (model !== undefined) {
    const ref = resolveModelRef(model, options.model === undefined ? promptFile : undefined);
    data.model = ref.kind === 'folder' ? resolve(ref.path) : ref.id;
  }
  const task = data['promptsmith.task'];
  if (task && typeof task === 'object') for (const key of TASK_PATHS) if (key in task) (task as Record<string, unknown>)[key] = absolute((task as Record<string, unknown>)[key]);
  const soft = data['promptsmith.softPrompt'];
  if (soft && typeof soft === 'object' && 'adapter' in soft) (soft as Record<string, unknown>).adapter = absolute((soft as Record<string, unknown>).adapter);
  return `---\n${stringify(data)}---\n${parsed.template}`;
}
