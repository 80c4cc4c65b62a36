// `promptsmith.helpers: [add, gt]`: Handlebars helpers the application registers with Dotprompt
// (Genkit's `defineHelper`). Declaring them makes them known to the editor (completion, no
// unknown-helper warning); the workspace-wide list is the `promptsmith.customHelpers` setting.
import { type ParsedPromptFile, type PromptFileProblem, spanOf } from './promptFile';
import { HELPER_NAME } from './renderHelpers';

export const HELPERS_KEY = 'promptsmith.helpers';

/** The helper names a file declares, and what is wrong with the declaration. */
export function declaredHelpersOf(parsed: ParsedPromptFile): { names: string[]; problems: PromptFileProblem[] } {
  const value = Object.hasOwn(parsed.data, HELPERS_KEY) ? parsed.data[HELPERS_KEY] : undefined;
  const names: string[] = [];
  const problems: PromptFileProblem[] = [];
  if (value === undefined || value === null) return { names, problems };
  const at = (path: (string | number)[]) => spanOf(parsed, path, 'value') ?? spanOf(parsed, [HELPERS_KEY], 'key') ?? { start: 0, end: 0 };
  if (!Array.isArray(value)) {
    problems.push({ code: 'promptsmith-type', severity: 'error', message: `'${HELPERS_KEY}' must be a list of helper names, e.g. [add, gt]`, ...at([HELPERS_KEY]) });
    return { names, problems };
  }
  value.forEach((name, i) => {
    if (typeof name === 'string' && HELPER_NAME.test(name)) names.push(name);
    else problems.push({ code: 'promptsmith-type', severity: 'error', message: `'${HELPERS_KEY}' entries are helper names (letters, digits, _, $, -), got ${JSON.stringify(name)}`, ...at([HELPERS_KEY, i]) });
  });
  return { names, problems };
}

/** Names from the setting that are valid helper names (others are ignored). */
export function validHelperNames(names: readonly unknown[] | undefined): string[] {
  return (names ?? []).filter((n): n is string => typeof n === 'string' && HELPER_NAME.test(n));
}
