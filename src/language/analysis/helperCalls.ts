// What a call of a known helper needs, checked before rendering: the arguments Handlebars and
// Dotprompt expect (a wrong count makes the render throw or print "undefined"), role names the
// message splitter accepts, and the hash keys `media` and `json` read.

/** One argument as the template writes it: a literal's value, or a variable path. */
export type WrittenArg = { kind: 'string'; value: string } | { kind: 'other' };

export interface HelperCall {
  helper: string;
  params: WrittenArg[];
  hashKeys: string[];
  block: boolean;
}

export interface HelperCallProblem {
  severity: 'error' | 'warning';
  message: string;
}

export const DOTPROMPT_ROLES = ['system', 'user', 'model', 'tool'];

const BLOCK_ONLY = ['if', 'unless', 'each', 'with', 'ifEquals', 'unlessEquals'];
const EXACT_PARAMS: Record<string, number> = { if: 1, unless: 1, each: 1, with: 1, ifEquals: 2, unlessEquals: 2, lookup: 2, json: 1, role: 1, section: 1, history: 0, media: 0, rlprompt: 0 };
const HASH_KEYS: Record<string, string[]> = { media: ['url', 'contentType'], json: ['indent'], history: [], role: [], section: [], ifEquals: [], unlessEquals: [] };

export function checkHelperCall(call: HelperCall): HelperCallProblem[] {
  const { helper, params, hashKeys, block } = call;
  const problems: HelperCallProblem[] = [];
  if (BLOCK_ONLY.includes(helper) && !block) problems.push({ severity: 'error', message: `'${helper}' is a block helper: write {{#${helper} …}}…{{/${helper}}}` });
  if (block && (helper === 'json' || helper === 'media' || helper === 'history' || helper === 'section' || helper === 'lookup' || helper === 'softprompt' || helper === 'rlprompt')) {
    problems.push({ severity: 'error', message: `'${helper}' is not a block helper: write {{${helper} …}} without '#' and without a closing tag` });
  }
  const expected = EXACT_PARAMS[helper];
  if (expected !== undefined && params.length !== expected) problems.push({ severity: 'error', message: arityMessage(helper, expected, params.length) });
  const allowed = HASH_KEYS[helper];
  for (const key of hashKeys) {
    if (!allowed || allowed.includes(key)) continue;
    const hint = helper === 'media' && key === 'mime' ? " (Dotprompt's key is contentType)" : '';
    problems.push({ severity: 'warning', message: `'${helper}' ignores ${key}=${hint}; it reads ${allowed.length > 0 ? allowed.map((k) => `${k}=`).join(' and ') : 'no hash arguments'}` });
  }
  if (helper === 'media' && !hashKeys.includes('url')) problems.push({ severity: 'error', message: "'media' needs url=… (an image or audio URL or data URI); without it the part has no URL" });
  const first = params[0];
  if (helper === 'role' && params.length === 1 && first?.kind === 'string') problems.push(...roleNameProblems(first.value));
  if (helper === 'section' && params.length === 1 && first?.kind === 'string' && !/^\S+$/.test(first.value)) {
    problems.push({ severity: 'error', message: `section names have no spaces (Dotprompt splits at the first space), got "${first.value}"` });
  }
  return problems;
}

function arityMessage(helper: string, expected: number, got: number): string {
  const what: Record<string, string> = {
    json: 'one value to serialize, e.g. {{json this indent=2}}',
    role: 'one role name, e.g. {{role "system"}}',
    section: 'one section name, e.g. {{section "output"}}',
    ifEquals: 'two values to compare, e.g. {{#ifEquals status "done"}}',
    unlessEquals: 'two values to compare, e.g. {{#unlessEquals status "done"}}',
    lookup: 'an object and a key, e.g. {{lookup labels name}}',
    history: 'no arguments',
    media: 'no positional arguments, only url= and contentType=',
  };
  const needs = what[helper] ?? (expected === 1 ? 'exactly one argument' : `exactly ${expected} arguments`);
  return `'${helper}' takes ${needs}; got ${got === 0 ? 'none' : got}`;
}

function roleNameProblems(role: string): HelperCallProblem[] {
  const lower = role.toLowerCase();
  if (!DOTPROMPT_ROLES.includes(lower)) {
    return [{ severity: 'warning', message: `'${role}' is not a Dotprompt role (${DOTPROMPT_ROLES.join(', ')}); models' chat templates may not know it` }];
  }
  if (lower !== role) {
    return [{ severity: 'warning', message: `write "${lower}": Dotprompt's own renderer only splits lowercase roles (Promptsmith renders "${role}" as "${lower}")` }];
  }
  return [];
}
