// Analysis problems → LSP diagnostics (severity, stable code, source, data for quick fixes).
import { type Diagnostic, DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver';
import type { PromptFileProblem } from '../../promptFile/promptFile';
import { type LineIndex, rangeOf } from './ranges';

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
} as const;

export function toLspDiagnostics(problems: readonly PromptFileProblem[], index: LineIndex): Diagnostic[] {
  return problems.map((p) => {
    const diagnostic: Diagnostic = { range: rangeOf(index, p.start, p.end), severity: SEVERITY[p.severity], code: p.code, source: 'promptsmith', message: p.message };
    if (p.code === 'unused-variable') diagnostic.tags = [DiagnosticTag.Unnecessary];
    // Only top-level variables get the quick fix (item fields belong to a nested schema).
    if (p.code === 'undefined-variable' && p.message.endsWith('is not declared in input.schema')) diagnostic.data = { variable: /'([^']+)'/.exec(p.message)?.[1] };
    return diagnostic;
  });
}
