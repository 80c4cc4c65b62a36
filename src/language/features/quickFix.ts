// Quick fixes. 'undefined-variable': declare the variable in `input.schema` as a string, in the
// schema's own style (block map: a new line with the same indentation; flow map: `, x: string`).
// 'no-test-split': run the editor's split command (it writes files, so it is a command, not an edit).
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import type { PromptAnalysis } from '../analysis/diagnostics';

export interface TextEditAt {
  start: number;
  end: number;
  newText: string;
}

export function addVariableToSchema(analysis: PromptAnalysis, name: string): TextEditAt | undefined {
  const { parsed } = analysis;
  const fm = parsed.frontMatter;
  const schema = parsed.yaml?.getIn(['input', 'schema'], true) as Node | undefined;
  if (!fm || !isMap(schema) || !schema.range || analysis.inputSchema.kind !== 'picoschema') return undefined;
  const map = schema as YAMLMap;
  const entry = `${name}: string`;
  const source = parsed.source;
  if (map.flow) {
    const close = source.lastIndexOf('}', fm.start + schema.range[1]);
    if (close < fm.start) return undefined;
    let at = close;
    while (at > 0 && /\s/.test(source[at - 1]!)) at--;
    return { start: at, end: at, newText: map.items.length > 0 ? `, ${entry}` : ` ${entry}` };
  }
  const first = map.items[0]?.key as Node | undefined;
  const last = map.items.at(-1);
  if (!isScalar(first) || !first.range || !last) return undefined;
  const firstKey = fm.start + first.range[0];
  const indent = firstKey - (source.lastIndexOf('\n', firstKey - 1) + 1);
  const lastNode = (last.value as Node | null) ?? (last.key as Node);
  let at = fm.start + (lastNode.range?.[1] ?? first.range[1]);
  while (at > fm.start && /\s/.test(source[at - 1]!)) at--;
  const lineEnd = source.indexOf('\n', at);
  // A trailing comment on the last line stays on that line.
  const insertAt = lineEnd === -1 || lineEnd > fm.end ? at : source.slice(at, lineEnd).trim().startsWith('#') ? lineEnd : at;
  return { start: insertAt, end: insertAt, newText: `\n${' '.repeat(indent)}${entry}` };
}

/** The client command that holds out a test set (VS Code: promptsmith.splitTestSet). */
export const SPLIT_TEST_SET_COMMAND = 'promptsmith.splitTestSet';

export function splitTestSetAction(uri: string, diagnostic: Diagnostic): CodeAction {
  const title = 'Split off a test set (near-duplicate rows kept together)';
  return { title, kind: 'quickfix', diagnostics: [diagnostic], command: { title, command: SPLIT_TEST_SET_COMMAND, arguments: [uri] } };
}
