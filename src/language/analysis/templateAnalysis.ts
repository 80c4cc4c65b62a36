// What a .prompt template uses: root-scope variables, helpers, partials, roles and sections,
// with offsets relative to the template, plus its syntax problems. Built from the scanner (for
// exact error ranges) and Handlebars' own parser (for the AST Dotprompt will compile).
import Handlebars from 'handlebars';
import { checkHelperCall, type WrittenArg } from './helperCalls';
import { HELPERS } from './helperDocs';
import { LineIndex } from './lineIndex';
import { SOFT_PROMPT_NAME } from '../../promptFile/softPromptSlots';
import { scanTemplate, type Tag } from './templateScanner';
import { templateLimitProblem } from '../../promptFile/templateLimits';

export interface TemplateRef {
  name: string;
  start: number;
  end: number;
}

export interface VariableRef extends TemplateRef {
  /** The path as written, e.g. `user.name` or `@root.items`. */
  path: string;
}

export interface TemplateProblem {
  code: 'unbalanced-braces' | 'unclosed-block' | 'unmatched-close-block' | 'handlebars-syntax' | 'unknown-helper' | 'helper-arguments' | 'analysis-limited' | 'softprompt-slot' | 'rlprompt-slot' | 'template-too-deep';
  severity: 'error' | 'warning' | 'information';
  message: string;
  start: number;
  end: number;
}

export interface TemplateAnalysis {
  tags: Tag[];
  problems: TemplateProblem[];
  /** References to top-level input variables (not those relative to an `each`/`with` item). */
  variables: VariableRef[];
  helpers: TemplateRef[];
  partials: TemplateRef[];
  /** `{{role "x"}}` tags; name is the role. */
  roles: TemplateRef[];
  /** `{{section "x"}}` tags; name is the section. */
  sections: TemplateRef[];
  /** `{{softprompt "x"}}` slots; name is the slot ('default' without an argument). */
  softPromptSlots: TemplateRef[];
  /** References to fields of the items inside `{{#each list}}` / `{{#with obj}}` at the top level. */
  itemVariables: (VariableRef & { list: string })[];
  /** The whole input is passed somewhere (`{{json this}}`, a partial, …): every variable may be used. */
  usesWholeContext: boolean;
  /** Whether Handlebars parsed the template (the AST facts above are complete). */
  parsed: boolean;
}

/** Handlebars' parser takes seconds per MB; beyond this only the linear scan runs. */
export const MAX_PARSED_TEMPLATE = 512 * 1024;

type Node = hbs.AST.Node;
type Expr = hbs.AST.Expression;

export interface TemplateOptions {
  /** Helpers the application registers (`promptsmith.helpers`, `promptsmith.customHelpers`): known, not checked. */
  customHelpers?: readonly string[];
}

export function analyzeTemplate(template: string, options: TemplateOptions = {}): TemplateAnalysis {
  const scan = scanTemplate(template);
  const result: TemplateAnalysis = {
    tags: scan.tags,
    problems: scan.problems.map((p) => ({ ...p, severity: 'error' })),
    variables: [],
    helpers: [],
    partials: [],
    roles: [],
    sections: [],
    softPromptSlots: [],
    itemVariables: [],
    usesWholeContext: false,
    parsed: false,
  };
  if (template.length > MAX_PARSED_TEMPLATE) {
    result.problems.push({
      code: 'analysis-limited',
      severity: 'information',
      message: `template is larger than ${MAX_PARSED_TEMPLATE / 1024} KB: only its braces and blocks were checked`,
      start: 0,
      end: 0,
    });
    return result;
  }
  const tooDeep = templateLimitProblem(template);
  if (tooDeep) {
    result.problems.push({ code: 'template-too-deep', severity: 'error', message: tooDeep.message, start: tooDeep.offset, end: template.indexOf('}}', tooDeep.offset) + 2 });
    return result;
  }
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(template);
  } catch (err) {
    if (result.problems.length === 0) result.problems.push(...locateSyntaxError(template, scan.tags, err as Error));
    return result;
  }
  result.parsed = true;
  new Walker(template, result, new Set(options.customHelpers ?? [])).program(ast, 0);
  return result;
}

/** Handlebars reports a line and a 20-character excerpt; find the tag that fails on its own. */
function locateSyntaxError(template: string, tags: readonly Tag[], err: Error): TemplateProblem[] {
  const message = `Handlebars syntax error: ${conciseParseMessage(err.message)}`;
  for (const tag of tags) {
    const text = template.slice(tag.start, tag.end);
    const probe =
      tag.kind === 'open' ? `${text}{{/${tag.name ?? ''}}}` : tag.kind === 'else' ? `{{#if x}}${text}{{/if}}` : tag.kind === 'close' ? '' : text;
    if (!probe) continue;
    try {
      Handlebars.parse(probe);
    } catch (tagErr) {
      const operator = /\s(>=|<=|===?|!==?|<|>|&&|\|\|)\s/.exec(text)?.[1];
      const hint = operator ? ` (Handlebars has no '${operator}' operator: compare with {{#ifEquals a b}}, or pass a computed value such as isAdult as input)` : '';
      return [{ code: 'handlebars-syntax', severity: 'error', message: `Handlebars syntax error: ${conciseParseMessage((tagErr as Error).message)}${hint}`, start: tag.start, end: tag.end }];
    }
  }
  const line = Number(/line (\d+)/.exec(err.message)?.[1] ?? '1') - 1;
  const index = new LineIndex(template);
  const start = index.lineStart(line);
  const end = line + 1 < index.lineCount ? index.lineStart(line + 1) - 1 : template.length;
  return [{ code: 'handlebars-syntax', severity: 'error', message, start, end: Math.max(end, start) }];
}

function conciseParseMessage(message: string): string {
  const lines = message.split('\n');
  const expecting = lines.find((l) => l.startsWith('Expecting'));
  if (expecting) return expecting.replace(/'/g, '').replace(/^Expecting/, 'expected');
  return lines[0]!;
}

class Walker {
  private readonly index: LineIndex;
  /** The top-level list (or object) whose items are the context at depth 1, when known. */
  private item: string | undefined;

  constructor(
    template: string,
    private readonly out: TemplateAnalysis,
    private readonly customHelpers: ReadonlySet<string>,
  ) {
    this.index = new LineIndex(template);
  }

  private span(loc: hbs.AST.SourceLocation): { start: number; end: number } {
    return {
      start: this.index.offsetAt({ line: loc.start.line - 1, character: loc.start.column }),
      end: this.index.offsetAt({ line: loc.end.line - 1, character: loc.end.column }),
    };
  }

  program(program: hbs.AST.Program | undefined, depth: number): void {
    for (const statement of program?.body ?? []) this.statement(statement, depth);
  }

  private statement(node: Node, depth: number): void {
    switch (node.type) {
      case 'MustacheStatement':
      case 'SubExpression': {
        const m = node as hbs.AST.MustacheStatement;
        this.call(m.path, m.params, m.hash, m.loc, depth, false);
        return;
      }
      case 'BlockStatement': {
        const b = node as hbs.AST.BlockStatement;
        const name = b.path.type === 'PathExpression' ? (b.path as hbs.AST.PathExpression).original : '';
        this.call(b.path, b.params, b.hash, b.loc, depth, true);
        // `each`, `with` and variable sections (`{{#items}}`) change the context inside the block.
        const changesContext = name === 'each' || name === 'with' || !(name in HELPERS || this.customHelpers.has(name));
        const saved = this.item;
        if (changesContext) this.item = depth === 0 ? itemListOf(b, name) : undefined;
        this.program(b.program, changesContext ? depth + 1 : depth);
        this.item = saved;
        this.program(b.inverse, depth);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement': {
        const p = node as hbs.AST.PartialStatement;
        // `{{> name}}` and `{{> "name"}}` both name a partial file (Dotprompt resolves either).
        const nameNode = p.name as hbs.AST.Expression;
        if (nameNode.type === 'PathExpression' || nameNode.type === 'StringLiteral') this.out.partials.push({ name: (nameNode as hbs.AST.PathExpression).original, ...this.span(p.loc) });
        for (const param of p.params) this.expression(param, depth);
        for (const pair of p.hash?.pairs ?? []) this.expression(pair.value, depth);
        if (p.params.length === 0) this.out.usesWholeContext = true;
        if (node.type === 'PartialBlockStatement') this.program((node as hbs.AST.PartialBlockStatement).program, depth);
        return;
      }
      default:
        return;
    }
  }

  private call(path: Expr, params: Expr[], hash: hbs.AST.Hash | undefined, loc: hbs.AST.SourceLocation, depth: number, block: boolean): void {
    const hasArgs = params.length > 0 || (hash?.pairs.length ?? 0) > 0;
    if (path.type === 'PathExpression') {
      const p = path as hbs.AST.PathExpression;
      const simple = p.parts.length === 1 && !p.data && p.depth === 0;
      const helper = simple && p.parts[0]! in HELPERS ? p.parts[0]! : undefined;
      if (simple && !helper && this.customHelpers.has(p.parts[0]!)) {
        this.out.helpers.push({ name: p.parts[0]!, ...this.span(p.loc) });
      } else if (helper) {
        this.out.helpers.push({ name: helper, ...this.span(p.loc) });
        const written = params.map((e): WrittenArg => (e.type === 'StringLiteral' ? { kind: 'string', value: (e as hbs.AST.StringLiteral).value } : { kind: 'other' }));
        const callProblems = helper === 'softprompt' ? [] : checkHelperCall({ helper, params: written, hashKeys: hash?.pairs.map((pair) => pair.key) ?? [], block });
        for (const problem of callProblems) this.out.problems.push({ code: 'helper-arguments', ...problem, ...this.span(block ? p.loc : loc) });
        const first = params[0];
        const literal = first?.type === 'StringLiteral' ? (first as hbs.AST.StringLiteral).value : undefined;
        if (helper === 'role' && literal !== undefined) this.out.roles.push({ name: literal, ...this.span(loc) });
        if (helper === 'section' && literal !== undefined) this.out.sections.push({ name: literal, ...this.span(loc) });
        if (helper === 'history') this.out.roles.push({ name: 'history', ...this.span(loc) });
        if (helper === 'softprompt') this.softPromptSlot(params, loc);
        if (helper === 'rlprompt') {
          this.out.problems.push({ code: 'rlprompt-slot', severity: 'information', message: 'RL prompt tuning writes its discrete prompt here; outside tuning this slot renders nothing', ...this.span(loc) });
        }
      } else if (hasArgs) {
        this.out.problems.push({
          code: 'unknown-helper',
          severity: 'warning',
          message: `unknown helper '${p.original}': Dotprompt knows ${Object.keys(HELPERS).join(', ')}. If your application registers it, list it in the front matter's promptsmith.helpers or the promptsmith.customHelpers setting`,
          ...this.span(p.loc),
        });
      } else this.expression(p, depth);
    } else this.expression(path, depth);
    for (const param of params) this.expression(param, depth);
    for (const pair of hash?.pairs ?? []) this.expression(pair.value, depth);
  }

  /** A slot takes one string-literal name (or none: 'default'); the engine splits on it. */
  private softPromptSlot(params: Expr[], loc: hbs.AST.SourceLocation): void {
    const first = params[0];
    const name = first === undefined ? 'default' : first.type === 'StringLiteral' ? (first as hbs.AST.StringLiteral).value : undefined;
    if (name === undefined || params.length > 1 || !SOFT_PROMPT_NAME.test(name)) {
      this.out.problems.push({
        code: 'softprompt-slot',
        severity: 'error',
        message: `{{softprompt}} takes one quoted name of letters, digits, '_', '.', '-' (e.g. {{softprompt "lead"}})`,
        ...this.span(loc),
      });
      return;
    }
    this.out.softPromptSlots.push({ name, ...this.span(loc) });
  }

  private expression(expr: Expr, depth: number): void {
    if (expr.type === 'SubExpression') {
      this.statement(expr, depth);
      return;
    }
    if (expr.type !== 'PathExpression') return;
    const p = expr as hbs.AST.PathExpression;
    if (p.data) {
      if (p.parts[0] === 'root') {
        if (p.parts.length > 1) this.out.variables.push({ name: p.parts[1]!, path: p.original, ...this.span(p.loc) });
        else this.out.usesWholeContext = true;
      }
      return;
    }
    if (depth === 1 && p.depth === 0 && this.item !== undefined && p.parts.length > 0) {
      this.out.itemVariables.push({ list: this.item, name: p.parts[0]!, path: p.original, ...this.span(p.loc) });
    }
    if (depth - p.depth !== 0) return;
    if (p.parts.length === 0) {
      this.out.usesWholeContext = true;
      return;
    }
    this.out.variables.push({ name: p.parts[0]!, path: p.original, ...this.span(p.loc) });
  }
}

/** `{{#each items}}`, `{{#with user}}`, `{{#items}}`: the top-level variable whose items become the context (none with block params). */
function itemListOf(block: hbs.AST.BlockStatement, name: string): string | undefined {
  if ((block.program.blockParams?.length ?? 0) > 0) return undefined;
  const target = name === 'each' || name === 'with' ? block.params[0] : block.path;
  if (target?.type !== 'PathExpression') return undefined;
  const p = target as hbs.AST.PathExpression;
  return !p.data && p.depth === 0 && p.parts.length === 1 ? p.parts[0] : undefined;
}
