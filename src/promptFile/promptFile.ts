// A .prompt (Dotprompt) file: parsed with positions, and rendered with the `dotprompt` library.
// Shared by the language server, the CLI and the engine (run, eval, soft prompt and RL tuning),
// so it is pure: no vscode, no LSP. parsePromptFile never throws; problems are collected.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type Document, isMap, isScalar, isSeq, type Node, parseDocument, type Scalar, visit } from 'yaml';
import { endpointProblem, remoteModelName } from './remoteModel';
import { describeRemoteModel, remoteModelOf } from './modelIds';
import { PromptFileError } from './promptFileError';
import { dataMap, findUnsafeKeys, unsafeSegmentOf, withoutUnsafeKeys } from './unsafeKeys';
import { FILE_LIMITS, readRegularFile } from '../modelFiles/regularFile';
import {
  checkSettingValue,
  isPlainObject,
  PROMPTSMITH_KEYS,
  PROMPTSMITH_VALUE_KEYS,
  RL_SETTINGS,
  SOFT_PROMPT_SETTINGS,
  type SettingsTable,
  type SoftPromptInit,
  TASK_SETTINGS,
} from './promptsmithSettings';

export { PromptFileError };

/** Half-open range of source offsets [start, end). */
export interface TextSpan {
  start: number;
  end: number;
}

export type ProblemSeverity = 'error' | 'warning' | 'information' | 'hint';

export interface PromptFileProblem extends TextSpan {
  /** Stable code, e.g. 'yaml-syntax' (see diagnosticCodes.ts). */
  code: string;
  severity: ProblemSeverity;
  message: string;
}

/** `promptsmith.task`: same shape as the engine's RawTaskSpec (paths relative to the file). */
export interface PromptsmithTask {
  train?: string;
  dev?: string;
  /** Held-out set: reported, never used to select. */
  test?: string;
  /** Generation tasks: how an output is scored against the row's reference. */
  metric?: 'exact' | 'contains' | 'regex' | 'loglik';
  /** Generation tasks: the dataset field holding the reference output (default 'output'). */
  reference?: string;
  /** label → verbalizer */
  labels?: Record<string, string>;
}

/** `promptsmith.rl` (RL prompt tuning; the engine's RlSettings documents each key). */
export interface PromptsmithRl {
  preset?: 'default' | 'paper';
  promptLength?: number;
  steps?: number;
  maxEvaluations?: number;
  samplesPerStep?: number;
  examplesPerStep?: number;
  topK?: number;
  lr?: number;
  polyak?: number;
  gradClip?: number;
  mlpHidden?: number;
  initGain?: number;
  vocabulary?: 'all' | 'words';
  policyStart?: 'uniform' | 'model';
  policyModel?: string;
  rewardLambda1?: number;
  rewardLambda2?: number;
  rewardShaping?: number;
  zscoreEps?: number;
  zscoreStdFloor?: number;
  oneLabelPenalty?: number;
  replay?: number;
  evalEvery?: number;
  evalCandidates?: number;
  keepBest?: number;
  seed?: number;
}

export interface PromptsmithSoftPrompt {
  tokens?: number;
  init?: SoftPromptInit;
  initText?: string;
  steps?: number;
  lr?: number;
  optimizer?: 'adafactor' | 'adam';
  weightDecay?: number;
  decayToward?: 'zero' | 'init';
  selectBy?: 'devAccuracy' | 'devLoss';
  method?: 'gradient' | 'bbt';
  batchSize?: number;
  evalEvery?: number;
  patience?: number;
  seed?: number;
  bbtDim?: number;
  bbtPopulation?: number;
  bbtSigma?: number;
  slot?: string;
  /** A saved soft prompt (PEFT adapter folder, relative to the file) that run and eval use. */
  adapter?: string;
}

export interface ParsedPromptFile {
  source: string;
  /** `#` comment lines (license headers) before the first `---`, if any. */
  header?: TextSpan;
  /** The YAML text between the `---` lines (span excludes the fences). */
  frontMatter?: TextSpan & { text: string };
  /** The front matter as plain values; {} when absent or invalid. */
  data: Record<string, unknown>;
  /** The Handlebars template, trimmed as Dotprompt does, and where it starts in `source`. */
  template: string;
  templateOffset: number;
  model?: string;
  config: Record<string, unknown>;
  input: { schema?: unknown; default?: Record<string, unknown> };
  output?: { format?: string; schema?: unknown };
  tools?: string[];
  /** Namespaced keys as Dotprompt groups them: `a.b: v` → ext.a.b = v. */
  ext: Record<string, Record<string, unknown>>;
  task?: PromptsmithTask;
  rl?: PromptsmithRl;
  softPrompt?: PromptsmithSoftPrompt;
  /** `promptsmith.finetune`, the values that fit the settings table (the engine types them). */
  finetune?: Record<string, unknown>;
  /** `promptsmith.endpoint`: the base URL of an `openai-compatible/<name>` model's server. */
  endpoint?: string;
  /** `promptsmith.variants`: name → another hand-written template for the same task (compare evaluates each). */
  variants?: Record<string, string>;
  /** Front-matter problems found while parsing (template problems: diagnostics.ts). */
  problems: PromptFileProblem[];
  /** The YAML document with positions (non-enumerable). */
  readonly yaml?: Document;
  /** Set by readPromptFile. */
  path?: string;
}

/** Real front matter is a few KB; YAML parsing time grows fast beyond this. */
export const MAX_FRONT_MATTER = 256 * 1024;

// As Dotprompt's own split, but an empty front matter and a file ending right after `---` work too.
const FRONT_MATTER = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)([\s\S]*)$/d;

/** Comment lines before the first `---` (the current Dotprompt spec allows them; 1.1.2 does not). */
function headerEnd(source: string, from: number): number {
  let pos = from;
  let sawComment = false;
  while (pos < source.length) {
    const nl = source.indexOf('\n', pos);
    const lineEnd = nl === -1 ? source.length : nl + 1;
    const line = source.slice(pos, lineEnd).trim();
    if (line.startsWith('#')) sawComment = true;
    else if (line !== '') break;
    pos = lineEnd;
  }
  if (sawComment && source.startsWith('---', pos)) return pos;
  return from;
}

function problem(code: string, severity: ProblemSeverity, message: string, span: TextSpan): PromptFileProblem {
  return { code, severity, message, start: span.start, end: Math.max(span.end, span.start) };
}

/** Parses a .prompt file. Never throws: everything wrong becomes a problem. */
export function parsePromptFile(source: string): ParsedPromptFile {
  const parsed: ParsedPromptFile = { source, data: {}, template: source, templateOffset: 0, config: {}, input: {}, ext: dataMap(), problems: [] };
  // A byte-order mark is not part of the text (editors hide it; Dotprompt would not see `---`).
  const bom = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  const start = headerEnd(source, bom);
  if (start > bom) parsed.header = { start: bom, end: start };
  const rest = source.slice(start);
  const match = FRONT_MATTER.exec(rest);
  if (!match) {
    const blank = /^(?:[ \t]*\r?\n)+(?=---[ \t]*\r?\n)/.exec(rest);
    if (blank) {
      const message = 'front matter must start on the first line: with blank lines before `---`, Dotprompt reads the YAML as template text';
      parsed.problems.push(problem('front-matter-not-at-start', 'warning', message, { start: start + blank[0].length, end: start + blank[0].length + 3 }));
    }
    if (/^---\s*(\r?\n|$)/.test(rest)) {
      const firstLineEnd = rest.search(/\r?\n|$/);
      parsed.problems.push(problem('front-matter-unclosed', 'error', 'front matter is not closed: add a line `---` after the YAML', { start, end: start + firstLineEnd }));
    }
    parsed.template = rest;
    parsed.templateOffset = start;
    return parsed;
  }
  const fmText = match[1] ?? '';
  const fmStart = match.indices![1]?.[0] ?? rest.indexOf('\n') + 1;
  const [bodyStart] = match.indices![2]!;
  const body = match[2]!;
  const lead = body.length - body.trimStart().length;
  parsed.template = body.trim();
  parsed.templateOffset = start + bodyStart + lead;
  parsed.frontMatter = { start: start + fmStart, end: start + fmStart + fmText.length, text: fmText };
  readFrontMatter(parsed);
  return parsed;
}

function readFrontMatter(parsed: ParsedPromptFile): void {
  const fm = parsed.frontMatter!;
  if (fm.text.length > MAX_FRONT_MATTER) {
    const message = `front matter is larger than ${MAX_FRONT_MATTER / 1024} KB; Promptsmith does not read it (move long texts into the template or a dataset)`;
    parsed.problems.push(problem('front-matter-too-large', 'error', message, { start: fm.start, end: fm.start + 3 }));
    return;
  }
  let doc: Document.Parsed;
  try {
    // The library's uniqueKeys check is quadratic in the number of keys; findDuplicateKeys is not.
    doc = parseDocument(fm.text, { prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    parsed.problems.push(problem('yaml-syntax', 'error', `invalid YAML front matter: ${(err as Error).message}`, { start: fm.start, end: fm.start + 3 }));
    return;
  }
  Object.defineProperty(parsed, 'yaml', { value: doc, enumerable: false });
  for (const key of findDuplicateKeys(doc)) {
    parsed.problems.push(problem('yaml-syntax', 'error', `invalid YAML front matter: duplicate key '${String(key.value)}'`, { start: fm.start + key.range![0], end: fm.start + key.range![1] }));
  }
  const unsafeKeys = findUnsafeKeys(doc);
  for (const key of unsafeKeys) {
    const name = String(key.value);
    const message = `the key '${name}' is refused: '${unsafeSegmentOf(name)}' names JavaScript's object machinery, so Promptsmith never reads or assigns it (rename the key)`;
    parsed.problems.push(problem('unsafe-key', 'error', message, { start: fm.start + key.range![0], end: fm.start + key.range![1] }));
  }
  for (const err of doc.errors) {
    const message = err.message.split('\n')[0]!;
    parsed.problems.push(problem('yaml-syntax', 'error', `invalid YAML front matter: ${message}`, { start: fm.start + err.pos[0], end: fm.start + err.pos[1] }));
  }
  // With YAML errors the keys that did parse are still read (best effort, so the editor keeps
  // checking the rest while one line is being typed); renderPromptFile refuses such a file.
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
    if (unsafeKeys.length > 0) value = withoutUnsafeKeys(value);
  } catch (err) {
    if (doc.errors.length === 0) parsed.problems.push(problem('yaml-syntax', 'error', `invalid YAML front matter: ${(err as Error).message}`, fm));
    return;
  }
  if (value === null || value === undefined) return;
  if (!isPlainObject(value)) {
    if (doc.errors.length > 0) return;
    parsed.problems.push(problem('front-matter-not-map', 'error', 'front matter must be a YAML map of keys (model, config, input, …)', fm));
    return;
  }
  parsed.data = value;
  readDotpromptKeys(parsed, parsed.data);
  readPromptsmithKeys(parsed, parsed.data);
}

/** Second and later occurrences of a key in the same map. */
function findDuplicateKeys(doc: Document.Parsed): Scalar[] {
  const duplicates: Scalar[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) duplicates.push(pair.key);
        seen.add(pair.key.value);
      }
    },
  });
  return duplicates;
}

function readDotpromptKeys(parsed: ParsedPromptFile, data: Record<string, unknown>): void {
  const typeProblem = (key: string, expected: string) =>
    parsed.problems.push(problem('dotprompt-key-type', 'error', `'${key}' must be ${expected}`, spanOf(parsed, [key], 'value') ?? parsed.frontMatter!));
  if (data.model !== undefined) {
    if (typeof data.model === 'string') parsed.model = data.model;
    else typeProblem('model', 'a string (folder, hub id or model name)');
  }
  if (data.config !== undefined) {
    if (isPlainObject(data.config)) parsed.config = data.config;
    else typeProblem('config', 'a map');
  }
  if (data.input !== undefined) {
    if (!isPlainObject(data.input)) typeProblem('input', 'a map with `schema` and/or `default`');
    else {
      parsed.input = { schema: data.input.schema };
      if (data.input.default !== undefined) {
        if (isPlainObject(data.input.default)) parsed.input.default = data.input.default;
        else typeProblem('input', 'a map whose `default` is a map of variable values');
      }
    }
  }
  if (data.output !== undefined) {
    if (!isPlainObject(data.output)) typeProblem('output', 'a map with `format` and/or `schema`');
    else parsed.output = { format: typeof data.output.format === 'string' ? data.output.format : undefined, schema: data.output.schema };
  }
  if (data.tools !== undefined) {
    if (Array.isArray(data.tools) && data.tools.every((t) => typeof t === 'string')) parsed.tools = data.tools;
    else typeProblem('tools', 'a list of tool names');
  }
  for (const [key, value] of Object.entries(data)) {
    if (!key.includes('.')) continue;
    const dot = key.lastIndexOf('.');
    const ns = key.slice(0, dot);
    parsed.ext[ns] ??= dataMap();
    parsed.ext[ns][key.slice(dot + 1)] = value;
  }
}

function readPromptsmithKeys(parsed: ParsedPromptFile, data: Record<string, unknown>): void {
  if ('promptsmith' in data) {
    parsed.problems.push(
      problem('promptsmith-unknown-key', 'warning', "Dotprompt ignores a plain 'promptsmith:' key: write namespaced keys such as 'promptsmith.task:'", spanNear(parsed, ['promptsmith'], 'key')),
    );
  }
  for (const [key, value] of Object.entries(data)) {
    // The helper list is read by declaredHelpers.ts.
    if (!key.startsWith('promptsmith.') || key === 'promptsmith.helpers') continue;
    if (Object.hasOwn(PROMPTSMITH_VALUE_KEYS, key)) {
      if (key === 'promptsmith.variants') readVariants(parsed, key, value);
      else readEndpoint(parsed, key, value);
      continue;
    }
    const known = PROMPTSMITH_KEYS[key];
    if (!known) {
      const names = [...Object.keys(PROMPTSMITH_KEYS), ...Object.keys(PROMPTSMITH_VALUE_KEYS), 'promptsmith.helpers'].join(', ');
      parsed.problems.push(problem('promptsmith-unknown-key', 'warning', `unknown Promptsmith key '${key}' (known: ${names})`, spanNear(parsed, [key], 'key')));
      continue;
    }
    if (!isPlainObject(value)) {
      parsed.problems.push(problem('promptsmith-type', 'error', `'${key}' must be a map of settings`, spanOf(parsed, [key], 'value') ?? spanNear(parsed, [key], 'key')));
      continue;
    }
    const typed = readSettings(parsed, key, value, known.settings);
    if (key === 'promptsmith.task') parsed.task = typed as PromptsmithTask;
    else if (key === 'promptsmith.rl') parsed.rl = typed as PromptsmithRl;
    else if (key === 'promptsmith.softPrompt') parsed.softPrompt = typed as PromptsmithSoftPrompt;
    else if (key === 'promptsmith.finetune') parsed.finetune = typed;
  }
  if (parsed.softPrompt?.init === 'TEXT' && !parsed.softPrompt.initText) {
    const span = spanNear(parsed, ['promptsmith.softPrompt', 'init'], 'value');
    parsed.problems.push(problem('promptsmith-type', 'error', "'init: TEXT' needs 'initText' (the text whose embeddings start the prompt)", span));
  }
}

/** `promptsmith.endpoint`: a string that is an http(s) base URL. */
function readEndpoint(parsed: ParsedPromptFile, key: string, value: unknown): void {
  const why = checkSettingValue(PROMPTSMITH_VALUE_KEYS[key]!, value) ?? endpointProblem(value as string);
  if (why) parsed.problems.push(problem('promptsmith-type', 'error', `'${key}': ${why}`, spanOf(parsed, [key], 'value') ?? spanOf(parsed, [key], 'key')!));
  else parsed.endpoint = value as string;
}

/** `promptsmith.variants`: a map name → template text; names and templates must be non-empty. */
function readVariants(parsed: ParsedPromptFile, key: string, value: unknown): void {
  const why = checkSettingValue(PROMPTSMITH_VALUE_KEYS[key]!, value);
  if (why) {
    parsed.problems.push(problem('promptsmith-type', 'error', `'${key}': ${why}`, spanOf(parsed, [key], 'value') ?? spanOf(parsed, [key], 'key')!));
    return;
  }
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(value as Record<string, unknown>)) {
    if (typeof template === 'string' && template.trim() !== '' && /^[\w.-]+$/.test(name)) out[name] = template;
    else {
      const why = typeof template === 'string' && template.trim() !== '' ? 'a variant name is letters, digits, _, . or -' : 'expected a template (a non-empty string)';
      parsed.problems.push(problem('promptsmith-type', 'error', `'${key}.${name}': ${why}`, spanOf(parsed, [key, name], 'value') ?? spanNear(parsed, [key, name], 'key')));
    }
  }
  parsed.variants = out;
}

/** Keeps the values that fit the table; every other one becomes a problem. */
function readSettings(parsed: ParsedPromptFile, key: string, value: Record<string, unknown>, table: SettingsTable): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    const spec = table[name];
    if (!spec) {
      const known = Object.keys(table).join(', ');
      parsed.problems.push(problem('promptsmith-unknown-key', 'warning', `unknown setting '${key}.${name}' (known: ${known})`, spanNear(parsed, [key, name], 'key')));
      continue;
    }
    const why = checkSettingValue(spec, v);
    if (why) {
      parsed.problems.push(problem('promptsmith-type', 'error', `'${key}.${name}': ${why}`, spanOf(parsed, [key, name], 'value') ?? spanNear(parsed, [key, name], 'key')));
      continue;
    }
    if (spec.type === 'labels') out[name] = readLabels(parsed, key, v as Record<string, unknown>);
    else out[name] = v;
  }
  return out;
}

function readLabels(parsed: ParsedPromptFile, key: string, labels: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [label, verbalizer] of Object.entries(labels)) {
    if (typeof verbalizer === 'string' && verbalizer.length > 0) {
      out[label] = verbalizer;
      continue;
    }
    const valueSpan = spanOf(parsed, [key, 'labels', label], 'value');
    const span = valueSpan && valueSpan.end > valueSpan.start ? valueSpan : spanNear(parsed, [key, 'labels', label], 'key');
    parsed.problems.push(problem('label-without-verbalizer', 'error', `label '${label}' needs a verbalizer: a non-empty string such as " ${label}"`, span));
  }
  return out;
}

/** Source span of a front-matter key or its value, by path (keys and list indices). */
export function spanOf(parsed: ParsedPromptFile, path: readonly (string | number)[], part: 'key' | 'value'): TextSpan | undefined {
  const doc = parsed.yaml;
  if (!doc || !parsed.frontMatter) return undefined;
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const step of path) {
    keyNode = undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(step));
      if (!pair) return undefined;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
      keyNode = node;
    } else return undefined;
  }
  const target = (part === 'key' ? keyNode : node) as Node | null | undefined;
  const range = target?.range;
  if (!range) return undefined;
  return { start: parsed.frontMatter.start + range[0], end: parsed.frontMatter.start + range[1] };
}

/** A map key as the parsed data names it: `7:` is the key '7', `~:` the key ''. */
function keyText(key: unknown): string {
  if (isScalar(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
  return String(key);
}

/**
 * Where to put a problem about `path`: its own span, else the nearest enclosing key's, else the
 * front matter's first character. Problems always get a real position, whatever the keys look like.
 */
export function spanNear(parsed: ParsedPromptFile, path: readonly (string | number)[], part: 'key' | 'value'): TextSpan {
  for (let n = path.length; n > 0; n--) {
    const span = spanOf(parsed, path.slice(0, n), n === path.length ? part : 'key');
    if (span) return span;
  }
  const at = parsed.frontMatter?.start ?? 0;
  return { start: at, end: at };
}

/** Reads and parses a .prompt file from disk (I/O errors throw with the file named). */
export function readPromptFile(file: string): ParsedPromptFile {
  let source: string;
  try {
    source = readRegularFile(file, FILE_LIMITS.promptFile);
  } catch (err) {
    throw new PromptFileError((err as Error).message);
  }
  const parsed = parsePromptFile(source);
  parsed.path = file;
  return parsed;
}


/** Where `model:` points: a local folder (resolved against the .prompt file) or an id/name. */
export function resolveModelRef(model: string, promptFile: string | undefined): { kind: 'folder'; path: string } | { kind: 'id'; id: string } {
  const base = promptFile ? dirname(promptFile) : process.cwd();
  const expanded = model.startsWith('~/') ? join(process.env.HOME ?? '~', model.slice(2)) : model;
  const candidate = isAbsolute(expanded) ? expanded : resolve(base, expanded);
  if (/^(\.{1,2}[\\/]|[\\/]|~\/|[A-Za-z]:[\\/])/.test(model) || existsSync(candidate)) return { kind: 'folder', path: candidate };
  return { kind: 'id', id: model };
}

/** The adapter folder an evaluation or run uses: the explicit one, else the file's `promptsmith.softPrompt.adapter` (relative to the file). */
export function softPromptDirOf(parsed: ParsedPromptFile, promptFile: string, options: { softPrompt?: string; noSoftPrompt?: boolean }): string | undefined {
  if (options.noSoftPrompt) return undefined;
  if (options.softPrompt !== undefined) return resolve(options.softPrompt);
  const adapter = parsed.softPrompt?.adapter;
  return adapter === undefined ? undefined : resolve(dirname(promptFile), adapter);
}

/** The model a prompt file asks for: an explicit override, else its `model:` key. */
export function modelSpecOf(parsed: ParsedPromptFile, promptFile: string, override?: string): string {
  const spec = override ?? parsed.model;
  if (!spec) throw new Error(`${promptFile}: no model (add 'model:' to the front matter or set promptsmith.model)`);
  if (remoteModelName(spec) !== undefined) return spec;
  const remote = remoteModelOf(spec);
  if (remote) throw new Error(`${promptFile}: ${describeRemoteModel(spec, remote)}: set promptsmith.model (or pass --model) to run this file on a local model`);
  const ref = resolveModelRef(spec, promptFile);
  return ref.kind === 'folder' ? ref.path : ref.id;
}

// Soft prompt slots live in softPromptSlots.ts; re-exported here, where the engine looks for them.
export { type PromptPiece, RL_PROMPT_MARKER, SOFT_PROMPT_MARKER, SOFT_PROMPT_NAME, splitSoftPromptMarkers, stripSoftPromptMarkers } from './softPromptSlots';

// Rendering (the `dotprompt` library plus Promptsmith's helpers) lives in render.ts; re-exported here.
export { messagesToText, PromptRenderError, type RenderedPromptFile, type RenderOptions, readPartial, renderPromptFile } from './render';

/** Settings tables by Promptsmith key, re-exported for callers that validate CLI overrides. */
export const PROMPTSMITH_SETTINGS = { task: TASK_SETTINGS, rl: RL_SETTINGS, softPrompt: SOFT_PROMPT_SETTINGS };
