// Promptsmith's versions of Dotprompt's helpers, registered over the library's for each render.
// They write the same markers the library splits into messages and parts, and add what its own
// helpers lack: the block form `{{#role "system"}}…{{/role}}` (Dotprompt's examples use it; the
// library drops the block), role names in any case, and a clear error naming the helper and
// the line when a helper is called with missing or wrong arguments (instead of a TypeError or
// the text "undefined" in the prompt). Helpers an application registers (declared in
// `promptsmith.helpers` / the `promptsmith.customHelpers` setting) cannot run here: they fail
// with a message that says so.
import { SafeText } from './softPromptSlots';

/** A helper called wrongly while rendering; `line` is 1-based within the template. */
export class TemplateHelperError extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

interface CallOptions {
  name?: string;
  hash: Record<string, unknown>;
  fn?: (context: unknown) => string;
  inverse?: (context: unknown) => string;
  loc?: { start: { line: number; column: number } };
}

type Helper = (this: unknown, ...args: unknown[]) => unknown;


/** Roles Dotprompt's message splitter accepts (it lowercases nothing: `[a-z]+`). */
const ROLE_NAME = /^[a-z]+$/;

function split(args: unknown[]): { params: unknown[]; options: CallOptions } {
  return { params: args.slice(0, -1), options: args[args.length - 1] as CallOptions };
}

function fail(options: CallOptions, message: string): never {
  throw new TemplateHelperError(message, options.loc?.start.line);
}

const roleMarker = (role: string) => `<<<dotprompt:role:${role}>>>`;

/** The helpers for one render (they keep the current role while the template renders). */
export function dotpromptHelpers(declaredHelpers: readonly string[] = []): Record<string, Helper> {
  let currentRole = 'user';
  const helpers: Record<string, Helper> = {
    role(...args) {
      const { params, options } = split(args);
      const [name] = params;
      if (params.length !== 1 || typeof name !== 'string' || !ROLE_NAME.test(name.toLowerCase())) {
        fail(options, `{{role}} takes one role name such as "system", "user" or "model", got ${describeArgs(params)}`);
      }
      const role = name.toLowerCase();
      if (!options.fn) {
        currentRole = role;
        return new SafeText(roleMarker(role));
      }
      // Block form: the block's text is this role's message; after it, the enclosing role resumes.
      const enclosing = currentRole;
      currentRole = role;
      const body = options.fn(this);
      currentRole = enclosing;
      return new SafeText(`${roleMarker(role)}${body}${roleMarker(enclosing)}`);
    },
    history(...args) {
      const { params, options } = split(args);
      if (params.length > 0) fail(options, `{{history}} takes no arguments, got ${describeArgs(params)}`);
      // Dotprompt continues with a model message after the inserted history.
      currentRole = 'model';
      return new SafeText('<<<dotprompt:history>>>');
    },
    section(...args) {
      const { params, options } = split(args);
      const [name] = params;
      if (params.length !== 1 || typeof name !== 'string' || !/^\S+$/.test(name)) {
        fail(options, `{{section}} takes one section name without spaces such as "output", got ${describeArgs(params)}`);
      }
      return new SafeText(`<<<dotprompt:section ${name}>>>`);
    },
    media(...args) {
      const { params, options } = split(args);
      if (params.length > 0) fail(options, `{{media}} takes url=… and contentType=…, not positional arguments (got ${describeArgs(params)})`);
      const { url, contentType } = options.hash;
      if (typeof url !== 'string' || url.trim() === '') fail(options, `{{media}} needs url= a non-empty string, got ${describeValue(url)}`);
      if (/\s/.test(url)) fail(options, `{{media}} url must not contain spaces, got ${JSON.stringify(url)}`);
      if (contentType !== undefined && (typeof contentType !== 'string' || /\s/.test(contentType))) {
        fail(options, `{{media}} contentType must be a MIME type such as "image/png", got ${describeValue(contentType)}`);
      }
      return new SafeText(`<<<dotprompt:media:url ${url}${contentType ? ` ${contentType}` : ''}>>>`);
    },
    json(...args) {
      const { params, options } = split(args);
      if (params.length !== 1) fail(options, `{{json}} takes one value to serialize, got ${params.length === 0 ? 'none' : describeArgs(params)}`);
      const indent = options.hash.indent ?? 0;
      if (typeof indent !== 'number' && typeof indent !== 'string') fail(options, `{{json}} indent must be a number, got ${describeValue(indent)}`);
      return new SafeText(JSON.stringify(params[0], null, indent) ?? '');
    },
    ifEquals(...args) {
      return compare(this, args, 'ifEquals', (a, b) => a === b);
    },
    unlessEquals(...args) {
      return compare(this, args, 'unlessEquals', (a, b) => a !== b);
    },
  };
  for (const name of applicationHelpers(declaredHelpers)) {
    helpers[name] = (...args) => {
      const { options } = split(args);
      fail(options, `'${name}' is a helper your application registers (declared in promptsmith.helpers or promptsmith.customHelpers); Promptsmith cannot run application helpers`);
    };
  }
  return helpers;
}

/** How a helper is named (Handlebars ids a template can call). */
export const HELPER_NAME = /^[A-Za-z_$][\w$-]*$/;

/** The helper names a file's `promptsmith.helpers` declares (valid ones; declaredHelpers.ts reports the rest). */
export function declaredHelperNames(data: Record<string, unknown>): string[] {
  const value = Object.hasOwn(data, 'promptsmith.helpers') ? data['promptsmith.helpers'] : undefined;
  return Array.isArray(value) ? value.filter((n): n is string => typeof n === 'string' && HELPER_NAME.test(n)) : [];
}

/** Names Handlebars, Dotprompt or Promptsmith already define: a declaration never replaces them. */
const BUILT_IN_HELPERS = new Set(['if', 'unless', 'each', 'with', 'lookup', 'log', 'helperMissing', 'blockHelperMissing', 'role', 'history', 'section', 'media', 'json', 'ifEquals', 'unlessEquals', 'softprompt', 'rlprompt']);

/** The declared names that get a stand-in helper (built-in names are left alone). */
export function applicationHelpers(declared: readonly string[]): string[] {
  return declared.filter((name) => !BUILT_IN_HELPERS.has(name));
}

function compare(context: unknown, args: unknown[], name: string, test: (a: unknown, b: unknown) => boolean): unknown {
  const { params, options } = split(args);
  if (!options.fn) fail(options, `{{${name}}} is a block helper: write {{#${name} a b}}…{{/${name}}}`);
  if (params.length !== 2) fail(options, `{{#${name}}} compares two values, got ${params.length === 0 ? 'none' : describeArgs(params)}`);
  return test(params[0], params[1]) ? options.fn(context) : (options.inverse?.(context) ?? '');
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (is the variable set?)';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}

function describeArgs(params: unknown[]): string {
  if (params.length === 0) return 'no arguments';
  return params.map(describeValue).join(', ');
}
