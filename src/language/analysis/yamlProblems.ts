// YAML parse errors as a person needs them: after the first syntax error the parser's later
// errors are mostly echoes of it (one unquoted `{ name: string }[]` gave 80), so only the first
// is kept, with the count of the rest; Picoschema written in a form YAML cannot read gets a hint.
import type { PromptFileProblem } from '../../promptFile/promptFile';

const PICO_HINTS: { test: RegExp; hint: string }[] = [
  { test: /\}\s*\[\]/, hint: 'YAML cannot read `{ … }[]`: in Picoschema a list of objects is written `field(array): { name: string }`' },
  { test: /\{[^}\n]*\w\[\]/, hint: "inside { } YAML cannot read `type[]` unquoted: write 'string[]' in quotes, or the field on its own line" },
  { test: /:\s*"[^"\n]*"\s*\|/, hint: 'YAML reads `"a" | "b"` as a broken string: for an enum write `field(enum): [a, b]`' },
];

export function collapseYamlErrors(problems: PromptFileProblem[], source: string): PromptFileProblem[] {
  const syntax = problems.filter((p) => p.code === 'yaml-syntax' && !p.message.includes('duplicate key'));
  if (syntax.length === 0) return problems;
  const first = syntax.reduce((a, b) => (b.start < a.start ? b : a));
  const lineStart = source.lastIndexOf('\n', first.start - 1) + 1;
  const lineEnd = source.indexOf('\n', first.start);
  const line = source.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  const hint = PICO_HINTS.find((h) => h.test.test(line))?.hint;
  const more = syntax.length - 1;
  const message = `${first.message}${hint ? `. ${hint}` : ''}${more > 0 ? ` (${more} more YAML error${more === 1 ? '' : 's'} after this one, likely caused by it)` : ''}`;
  return problems.filter((p) => !syntax.includes(p) || p === first).map((p) => (p === first ? { ...p, message } : p));
}
