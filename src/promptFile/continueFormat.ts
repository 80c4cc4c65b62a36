// Continue (continue.dev) also uses `.prompt` files, in another format: an optional YAML
// preamble *without* an opening `---`, a `---` line, then a body with `<system>…</system>`,
// `{{{ input }}}` and `@file` / `@currentFile` mentions. Such files are not broken Dotprompt:
// Promptsmith recognises them and leaves them alone.
import { parse } from 'yaml';
import { isPlainObject } from './promptsmithSettings';

/** Keys Continue reads from the preamble. */
const CONTINUE_KEYS = ['name', 'description', 'version', 'temperature', 'model', 'invokable'];

/** Why `source` is a Continue prompt file, or undefined when it is (or may be) Dotprompt. */
export function continuePromptFileReason(source: string, path?: string): string | undefined {
  const text = source.replace(/^\uFEFF/, '');
  const firstContent = text.split(/\r?\n/).find((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  // Dotprompt front matter opens with `---`; Continue's preamble never does.
  if (firstContent === undefined || /^---\s*$/.test(firstContent)) return undefined;
  const body = /\r?\n---[ \t]*\r?\n/.exec(text);
  if (body) {
    const preamble = text.slice(0, body.index);
    try {
      const value: unknown = parse(preamble);
      if (isPlainObject(value) && Object.keys(value).some((k) => CONTINUE_KEYS.includes(k))) return `YAML preamble (${Object.keys(value).join(', ')}) before a '---' line`;
    } catch {
      // Not YAML: not Continue's preamble.
    }
  }
  if (/<system>[\s\S]*<\/system>/.test(text)) return '<system>…</system> block';
  if (path && /[\\/]\.continue[\\/]prompts[\\/]/.test(path)) return 'a file in .continue/prompts';
  return undefined;
}
