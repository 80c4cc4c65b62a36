// Partials (`{{> name}}` → `_name.prompt` beside the prompt): where their files may be, and what
// to say when they include each other without end.
import { confinedPath } from '../modelFiles/confinedPath';

export class PartialOutsideFolderError extends Error {}

/** The file of partial `name` in `baseDir`; throws when the name leads outside that folder. */
export function partialFile(baseDir: string, name: string): string {
  const file = confinedPath(baseDir, `_${name}.prompt`);
  if (file === undefined) {
    throw new PartialOutsideFolderError(`partial '${name}' resolves outside the prompt's folder ${baseDir}; Promptsmith reads partials only from _name.prompt files in that folder`);
  }
  return file;
}

/**
 * A cycle among partials (`a → b → a`), given each loaded partial's references, or undefined.
 * Used to explain a render that overflowed the stack.
 */
export function partialCycle(references: ReadonlyMap<string, readonly string[]>, roots: readonly string[]): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'open') return [...path.slice(path.indexOf(name)), name];
    if (state.get(name) === 'done') return undefined;
    state.set(name, 'open');
    path.push(name);
    for (const next of references.get(name) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const root of roots) {
    const cycle = visit(root);
    if (cycle) return cycle;
  }
  return undefined;
}

/** One line on why rendering failed; a stack overflow is explained by the partials' cycle. */
export function renderFailure(err: Error, includes: ReadonlyMap<string, readonly string[]>, roots: readonly string[]): string {
  if (!(err instanceof RangeError && /call stack/i.test(err.message))) return err.message.split('\n')[0]!;
  const cycle = partialCycle(includes, roots);
  if (cycle) return `partials include each other without end (${cycle.join(' → ')}); break the cycle`;
  return 'the template recurses too deeply (the call stack overflowed)';
}

/** Partial names a template includes, by their tags (`{{> name}}`, `{{#> name}}`, `{{> "name"}}`). */
export function partialNamesIn(template: string): string[] {
  return [...template.matchAll(/\{\{~?#?>\s*(?:"([^"]*)"|'([^']*)'|([^\s}~()]+))/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}
