// `promptsmith check --format sarif`: SARIF 2.1.0, the format GitHub code scanning (and other
// CI tools) read. One run, one rule per diagnostic code that occurs, one result per diagnostic
// with a region in 1-based lines and UTF-16 columns (SARIF's default column unit).
import { relative, sep } from 'node:path';
import { DIAGNOSTIC_CODES } from '../language/analysis/diagnosticCodes';

/** A checked file as `check` lists it (1-based lines and columns). */
export interface SarifInput {
  file: string;
  diagnostics: { code: string; severity: 'error' | 'warning' | 'information' | 'hint'; line: number; column: number; endLine: number; endColumn: number; message: string }[];
}

const LEVEL = { error: 'error', warning: 'warning', information: 'note', hint: 'note' } as const;

export function toSarif(files: readonly SarifInput[], options: { version: string; root: string; includeHints: boolean }): object {
  const results = files.flatMap(({ file, diagnostics }) =>
    diagnostics
      .filter((d) => d.severity !== 'hint' || options.includeHints)
      .map((d) => ({
        ruleId: d.code,
        level: LEVEL[d.severity],
        message: { text: d.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: artifactOf(file, options.root),
              region: { startLine: d.line, startColumn: d.column, endLine: d.endLine, endColumn: d.endColumn },
            },
          },
        ],
      })),
  );
  const codes = [...new Set(results.map((r) => r.ruleId))].sort();
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'promptsmith',
            version: options.version,
            informationUri: 'https://github.com/google/dotprompt',
            rules: codes.map((id) => ({ id, shortDescription: { text: DIAGNOSTIC_CODES[id] ?? id } })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: `file://${options.root.split(sep).join('/').replace(/\/?$/, '/')}` } },
        results,
      },
    ],
  };
}

/** Paths under the root are relative to %SRCROOT% (what code scanning maps to the repository); others absolute. */
function artifactOf(file: string, root: string): { uri: string; uriBaseId?: string } {
  const rel = relative(root, file);
  if (!rel.startsWith('..') && !/^([A-Za-z]:|[\\/])/.test(rel)) return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
  return { uri: `file://${file.split(sep).map(encodeURIComponent).join('/')}` };
}
