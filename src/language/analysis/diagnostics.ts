// Everything wrong with a .prompt file that can be seen from its text alone: front matter,
// Handlebars syntax, schemas, variables, config keys and Promptsmith settings. Offsets are
// source offsets. Checks that read other files (datasets, the model's tokenizer) are in
// environmentChecks.ts.
import { continuePromptFileReason } from '../../promptFile/continueFormat';
import { declaredHelpersOf } from '../../promptFile/declaredHelpers';
import { type ParsedPromptFile, parsePromptFile, type PromptFileProblem, spanNear, spanOf } from '../../promptFile/promptFile';
import { CONFIG_SETTINGS, checkSettingValue, DOTPROMPT_KEYS } from '../../promptFile/promptsmithSettings';
import { analyzeSchema, type SchemaInfo } from '../../promptFile/schemaAnalysis';
import { checkOutput } from './outputChecks';
import { analyzeTemplate, type TemplateAnalysis } from './templateAnalysis';
import { collapseYamlErrors } from './yamlProblems';

export interface PromptAnalysis {
  parsed: ParsedPromptFile;
  template: TemplateAnalysis;
  inputSchema: SchemaInfo;
  outputSchema: SchemaInfo;
  problems: PromptFileProblem[];
  /** Helpers known besides Dotprompt's: the file's `promptsmith.helpers` and the setting's. */
  customHelpers: string[];
  /** Set when the file is another tool's `.prompt` format (Continue): nothing is reported. */
  foreignFormat?: string;
}

export interface AnalysisOptions {
  /** The `promptsmith.customHelpers` setting. */
  customHelpers?: readonly string[];
  /** The file's path, when known (recognises `.continue/prompts/`). */
  path?: string;
}

/** Keys Dotprompt itself reads or keeps (besides the documented ones and namespaced `a.b` keys). */
const OTHER_DOTPROMPT_KEYS = new Set(['ext', 'raw', 'toolDefs', 'promptsmith']);

export const MAX_PROBLEMS = 500;

export function analyzePromptSource(source: string, options: AnalysisOptions = {}): PromptAnalysis {
  const parsed = parsePromptFile(source);
  const declared = declaredHelpersOf(parsed);
  const customHelpers = [...new Set([...(options.customHelpers ?? []), ...declared.names])];
  const template = analyzeTemplate(parsed.template, { customHelpers });
  const inputSchema = analyzeSchema(parsed, 'input');
  const outputSchema = analyzeSchema(parsed, 'output');
  const foreignFormat = continuePromptFileReason(source, options.path);
  if (foreignFormat) return { parsed, template, inputSchema, outputSchema, problems: [], customHelpers, foreignFormat: `Continue prompt file (${foreignFormat})` };
  const problems: PromptFileProblem[] = [...collapseYamlErrors(parsed.problems, source), ...declared.problems, ...checkOutput(parsed)];
  checkTopLevelKeys(parsed, problems);
  checkConfig(parsed, problems);
  problems.push(...inputSchema.problems, ...outputSchema.problems);
  for (const p of template.problems) problems.push({ ...p, start: p.start + parsed.templateOffset, end: p.end + parsed.templateOffset });
  checkVariables(parsed, template, inputSchema, problems);
  checkSoftPromptSlots(parsed, template, problems);
  problems.sort((a, b) => a.start - b.start || a.end - b.end);
  if (problems.length > MAX_PROBLEMS) {
    const dropped = problems.length - MAX_PROBLEMS;
    problems.length = MAX_PROBLEMS;
    problems.push({ code: 'too-many-problems', severity: 'information', message: `${dropped} more problems not shown`, start: 0, end: 0 });
  }
  return { parsed, template, inputSchema, outputSchema, problems, customHelpers };
}

function checkTopLevelKeys(parsed: ParsedPromptFile, problems: PromptFileProblem[]): void {
  for (const key of Object.keys(parsed.data)) {
    if (key in DOTPROMPT_KEYS || key.includes('.') || OTHER_DOTPROMPT_KEYS.has(key)) continue;
    if (key === '') continue; // a key the YAML parser made up while recovering from an error
    const span = spanNear(parsed, [key], 'key');
    problems.push({
      code: 'unknown-key',
      severity: 'warning',
      message: `Dotprompt ignores the key '${key}' (known: ${Object.keys(DOTPROMPT_KEYS).join(', ')}; extension keys need a namespace such as 'myext.${key}')`,
      ...span,
    });
  }
}

function checkConfig(parsed: ParsedPromptFile, problems: PromptFileProblem[]): void {
  for (const [key, value] of Object.entries(parsed.config)) {
    const spec = CONFIG_SETTINGS[key];
    if (!spec) {
      const span = spanNear(parsed, ['config', key], 'key');
      problems.push({ code: 'unknown-config-key', severity: 'warning', message: `the local runtime ignores config '${key}' (it knows ${Object.keys(CONFIG_SETTINGS).join(', ')})`, ...span });
      continue;
    }
    const why = checkSettingValue(spec, value);
    if (why) {
      const span = spanOf(parsed, ['config', key], 'value') ?? spanNear(parsed, ['config', key], 'key');
      problems.push({ code: 'config-type', severity: 'error', message: `config '${key}': ${why}`, ...span });
    }
  }
}

function checkVariables(parsed: ParsedPromptFile, template: TemplateAnalysis, schema: SchemaInfo, problems: PromptFileProblem[]): void {
  if (!template.parsed || (schema.kind !== 'picoschema' && schema.kind !== 'jsonschema')) return;
  const declared = new Set([...schema.fields.map((f) => f.name), ...Object.keys(parsed.input.default ?? {})]);
  if (!schema.open) {
    for (const ref of template.variables) {
      if (declared.has(ref.name)) continue;
      problems.push({
        code: 'undefined-variable',
        severity: 'warning',
        message: `'${ref.name}' is not declared in input.schema`,
        start: parsed.templateOffset + ref.start,
        end: parsed.templateOffset + ref.end,
      });
    }
  }
  for (const ref of template.itemVariables) {
    const fields = schema.fields.find((f) => f.name === ref.list)?.fields;
    if (!fields || fields.length === 0 || fields.some((f) => f.name === ref.name)) continue;
    problems.push({
      code: 'undefined-variable',
      severity: 'warning',
      message: `'${ref.name}' is not a field of '${ref.list}' in input.schema`,
      start: parsed.templateOffset + ref.start,
      end: parsed.templateOffset + ref.end,
    });
  }
  if (template.usesWholeContext) return;
  const used = new Set(template.variables.map((v) => v.name));
  for (const field of schema.fields) {
    if (used.has(field.name) || !field.keySpan) continue;
    problems.push({ code: 'unused-variable', severity: 'hint', message: `input '${field.name}' is declared but the template never uses it`, ...field.keySpan });
  }
}

/** What soft prompt tuning will need: the configured slot exists, and at most one slot is chosen. */
function checkSoftPromptSlots(parsed: ParsedPromptFile, template: TemplateAnalysis, problems: PromptFileProblem[]): void {
  if (!template.parsed) return;
  const slot = parsed.softPrompt?.slot;
  const slots = template.softPromptSlots;
  if (slot !== undefined) {
    const matching = slots.filter((s) => s.name === slot);
    const span = spanNear(parsed, ['promptsmith.softPrompt', 'slot'], 'value');
    if (matching.length === 0) {
      problems.push({ code: 'softprompt-slot', severity: 'error', message: `the template has no {{softprompt "${slot}"}} slot`, ...span });
    }
    for (const extra of matching.slice(1)) {
      problems.push({ code: 'softprompt-slot', severity: 'warning', message: `slot '${slot}' appears more than once; one soft prompt fills one slot`, start: parsed.templateOffset + extra.start, end: parsed.templateOffset + extra.end });
    }
  } else if (slots.length > 1 && parsed.softPrompt) {
    for (const extra of slots.slice(1)) {
      problems.push({
        code: 'softprompt-slot',
        severity: 'warning',
        message: 'several {{softprompt}} slots: set promptsmith.softPrompt.slot to the one to tune',
        start: parsed.templateOffset + extra.start,
        end: parsed.templateOffset + extra.end,
      });
    }
  }
}
