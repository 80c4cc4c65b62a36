// `promptsmith check <file.prompt|folder…> [--format text|json|sarif]`: the language server's
// diagnostics on the command line, for CI (SARIF for code scanning). Exit 1 when any file has an
// error. Another tool's .prompt files (Continue) are skipped, not reported as broken.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadTokenizer, type TextTokenizer } from '../../modelFiles/tokenizer';
import { FILE_LIMITS, FileReadError, readRegularFile } from '../../modelFiles/regularFile';
import { analyzePromptSource } from '../../language/analysis/diagnostics';
import { checkEnvironment, nodeEnvironment } from '../../language/analysis/environmentChecks';
import { LineIndex } from '../../language/analysis/lineIndex';
import type { PromptFileProblem } from '../../promptFile/promptFile';
import { UsageError } from '../args';
import type { CliCommand } from '../command';
import { toSarif } from '../sarif';

declare const PROMPTSMITH_VERSION: string | undefined;

export interface CheckedDiagnostic {
  code: string;
  severity: PromptFileProblem['severity'];
  /** 1-based */
  line: number;
  /** 1-based, UTF-16 code units */
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
}

export interface CheckedFile {
  file: string;
  diagnostics: CheckedDiagnostic[];
  /** Why the file was not checked (another tool's format). */
  skipped?: string;
}

/** Expands folders into the .prompt files under them (sorted; partials `_x.prompt` included). */
export function expandPromptPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>(); // real folders already listed: links that loop are walked once
  const visit = (path: string) => {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      out.push(path); // reported as unreadable
      return;
    }
    if (!stat.isDirectory()) {
      out.push(path);
      return;
    }
    if (!firstVisit(seen, path)) return;
    for (const name of listFolder(path)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const child = join(path, name);
      if (name.endsWith('.prompt') || isFolder(child)) visit(child);
    }
  };
  for (const p of paths) {
    if (/[*?]/.test(p) && !existsSync(p)) out.push(...expandGlob(p));
    else visit(p);
  }
  return out;
}

/** For shells that pass `examples/**\/*.prompt` through unexpanded (quoted, Windows): `**` any depth, `*`/`?` within a name; .prompt files only. */
function expandGlob(pattern: string): string[] {
  const parts = pattern.split(/[\\/]/);
  const fixed = parts.findIndex((part) => /[*?]/.test(part));
  const root = parts.slice(0, fixed).join('/') || '.';
  const nameToRegex = (part: string) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  let source = parts
    .slice(fixed)
    .map((part) => (part === '**' ? '(?:[^/]+/)*' : `${nameToRegex(part)}/`))
    .join('');
  source = source.endsWith('/') ? source.slice(0, -1) : `${source}[^/]+`;
  const matcher = new RegExp(`^${source}$`);
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, rel: string) => {
    if (!firstVisit(seen, dir)) return;
    for (const name of listFolder(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      if (isFolder(path)) walk(path, relPath);
      else if (name.endsWith('.prompt') && matcher.test(relPath)) found.push(root === '.' && !pattern.startsWith('./') ? relPath : join(root, relPath));
    }
  };
  walk(root, '');
  return found.length > 0 ? found : [pattern];
}

function listFolder(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // a dangling link, or gone since the listing
  }
}

function firstVisit(seen: Set<string>, dir: string): boolean {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return false;
  }
  if (seen.has(real)) return false;
  seen.add(real);
  return true;
}

function fileProblem(file: string, code: string, message: string): CheckedFile {
  return { file, diagnostics: [{ code, severity: 'error', line: 1, column: 1, endLine: 1, endColumn: 1, message }] };
}

/** One file's diagnostics; a failure of the analysis itself is that file's error, never the run's. */
export function checkPromptFile(file: string, tokenizers = new Map<string, TextTokenizer>(), customHelpers: readonly string[] = []): CheckedFile {
  try {
    return checkReadableFile(file, tokenizers, customHelpers);
  } catch (err) {
    return fileProblem(file, 'analysis-failed', `Promptsmith could not analyse this file: ${(err as Error).message}`);
  }
}

function checkReadableFile(file: string, tokenizers: Map<string, TextTokenizer>, customHelpers: readonly string[]): CheckedFile {
  let source: string;
  try {
    source = readRegularFile(file, FILE_LIMITS.promptFile);
  } catch (err) {
    const reason = err instanceof FileReadError ? err.message.slice(file.length + 2) : (err as Error).message;
    return fileProblem(file, 'file-unreadable', `cannot read the file (${reason})`);
  }
  const analysis = analyzePromptSource(source, { customHelpers, path: resolve(file) });
  if (analysis.foreignFormat) return { file, diagnostics: [], skipped: analysis.foreignFormat };
  const cachedTokenizer = (dir: string) => {
    let t = tokenizers.get(dir);
    if (!t) {
      t = loadTokenizer(dir);
      tokenizers.set(dir, t);
    }
    return t;
  };
  const problems = [...analysis.problems, ...checkEnvironment(analysis, nodeEnvironment(resolve(file), cachedTokenizer))];
  problems.sort((a, b) => a.start - b.start || a.end - b.end);
  const index = new LineIndex(source);
  const diagnostics = problems.map((p) => {
    const start = index.positionAt(p.start);
    const end = index.positionAt(p.end);
    return { code: p.code, severity: p.severity, line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1, message: p.message };
  });
  return { file, diagnostics };
}

export const checkCommand: CliCommand = {
  name: 'check',
  usage: 'check <file.prompt|folder…> [--format text|json|sarif] [--helper NAME …]',
  summary: 'Print the language diagnostics of .prompt files',
  flags: {
    format: { kind: 'string', description: 'text (default), json ({"files":[{file, diagnostics:[…]}], "errors", "warnings"}) or sarif (SARIF 2.1.0 for code scanning)' },
    json: { kind: 'boolean', description: 'Same as --format json' },
    hints: { kind: 'boolean', description: 'Also print hints (e.g. declared but unused variables)' },
    helper: { kind: 'strings', description: 'a helper your application registers (as the promptsmith.customHelpers setting; repeatable)' },
  },
  async run(args) {
    if (args.positionals.length === 0) throw new UsageError('give at least one .prompt file or folder');
    const format = args.flags.json ? 'json' : ((args.flags.format as string | undefined) ?? 'text');
    if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, got '${format}'`);
    const tokenizers = new Map<string, TextTokenizer>();
    const helpers = (args.flags.helper as string[] | undefined) ?? [];
    const files = expandPromptPaths(args.positionals).map((f) => checkPromptFile(f, tokenizers, helpers));
    const all = files.flatMap((f) => f.diagnostics);
    const errors = all.filter((d) => d.severity === 'error').length;
    const warnings = all.filter((d) => d.severity === 'warning').length;
    if (format === 'json') {
      process.stdout.write(JSON.stringify({ files, errors, warnings }) + '\n');
    } else if (format === 'sarif') {
      const version = typeof PROMPTSMITH_VERSION === 'string' ? PROMPTSMITH_VERSION : 'dev';
      process.stdout.write(`${JSON.stringify(toSarif(files, { version, root: process.cwd(), includeHints: args.flags.hints === true }), null, 2)}\n`);
    } else {
      for (const { file, diagnostics, skipped } of files) {
        if (skipped) process.stdout.write(`${file}: skipped: ${skipped}\n`);
        for (const d of diagnostics) {
          if (d.severity === 'hint' && !args.flags.hints) continue;
          process.stdout.write(`${file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}\n`);
        }
      }
      process.stdout.write(`${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
    }
    return errors > 0 ? 1 : 0;
  },
};
