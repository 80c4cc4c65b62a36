// The action line at the top of the template: ▶ Run · Evaluate · Tune soft prompt · Optimize with RL.
import type { CodeLens } from 'vscode-languageserver';
import type { PromptAnalysis } from '../analysis/diagnostics';
import { LineIndex, rangeOf } from './ranges';

export const TEMPLATE_ACTIONS = [
  { title: '▶ Run', command: 'promptsmith.run' },
  { title: 'Evaluate', command: 'promptsmith.evaluate' },
  { title: 'Tune soft prompt', command: 'promptsmith.tuneSoftPrompt' },
  { title: 'Optimize with RL', command: 'promptsmith.optimizeWithRL' },
] as const;

export function codeLenses(analysis: PromptAnalysis, uri: string, index = new LineIndex(analysis.parsed.source)): CodeLens[] {
  if (analysis.foreignFormat) return []; // another tool's .prompt file (Continue): nothing to run here
  const at = analysis.parsed.templateOffset;
  const range = rangeOf(index, at, at);
  return TEMPLATE_ACTIONS.map(({ title, command }) => ({ range, command: { title, command, arguments: [uri] } }));
}
