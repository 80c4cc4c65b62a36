// The Handlebars helpers a .prompt template may use: Handlebars' built-ins, Dotprompt's, and
// Promptsmith's `softprompt`. Dotprompt compiles with knownHelpersOnly, so any other helper
// called with arguments fails to render.

import { ownTable } from '../../promptFile/unsafeKeys';

export interface HelperDoc {
  /** How it is written, for completion and hover. */
  signature: string;
  description: string;
  /** Used as `{{#name …}}…{{/name}}`. */
  block: boolean;
}

export const HELPERS: Readonly<Record<string, HelperDoc>> = ownTable({
  if: { signature: '{{#if value}}…{{else}}…{{/if}}', description: 'Renders the block when `value` is truthy.', block: true },
  unless: { signature: '{{#unless value}}…{{/unless}}', description: 'Renders the block when `value` is falsy.', block: true },
  each: {
    signature: '{{#each list}}…{{/each}}',
    description: 'Renders the block for each item; inside, `this` is the item and `@index`/`@key` its position.',
    block: true,
  },
  with: { signature: '{{#with value}}…{{/with}}', description: 'Renders the block with `value` as the context.', block: true },
  lookup: { signature: '{{lookup object key}}', description: 'Looks up `key` in `object`.', block: false },
  log: { signature: '{{log value}}', description: 'Logs a value while rendering (no output).', block: false },
  role: {
    signature: '{{role "system" | "user" | "model"}}  or  {{#role "system"}}…{{/role}}',
    description:
      'Starts a new message with this role (Dotprompt). Text before the first role belongs to the user. The block form (Promptsmith) makes its text one message; after `{{/role}}` the enclosing role resumes.',
    block: true,
  },
  history: { signature: '{{history}}', description: 'Inserts the earlier conversation turns here (Dotprompt).', block: false },
  section: { signature: '{{section "name"}}', description: 'Marks where a named section (e.g. output instructions) goes (Dotprompt).', block: false },
  media: {
    signature: '{{media url=value contentType="image/png"}}',
    description: 'Inserts a media part (image, audio) from a URL or data URI (Dotprompt). Text-only local models ignore it.',
    block: false,
  },
  json: { signature: '{{json value indent=2}}', description: 'Renders a value as JSON (Dotprompt).', block: false },
  ifEquals: { signature: '{{#ifEquals a b}}…{{/ifEquals}}', description: 'Renders the block when `a === b` (Dotprompt).', block: true },
  unlessEquals: { signature: '{{#unlessEquals a b}}…{{/unlessEquals}}', description: 'Renders the block when `a !== b` (Dotprompt).', block: true },
  softprompt: {
    signature: '{{softprompt "name"}}',
    description:
      'Promptsmith: the slot where soft prompt tuning places its virtual tokens (Lester et al. 2021). Without a slot they go before the whole input.',
    block: false,
  },
  rlprompt: {
    signature: '{{rlprompt}}',
    description: 'Promptsmith: the slot RL prompt tuning (RLPrompt) fills with a discrete prompt. Outside tuning it renders nothing.',
    block: false,
  },
});

export const CUSTOM_HELPER_DOC =
  "A helper your application registers (declared in `promptsmith.helpers` or the `promptsmith.customHelpers` setting). Promptsmith knows its name but cannot run it: rendering a call fails with a message saying so.";

export const HELPERS_KEY_DOC =
  'Handlebars helpers your application registers with Dotprompt (e.g. `[add, gt]`): the editor knows them (completion, no unknown-helper warning).';

/** `@` data variables Handlebars and Dotprompt provide while rendering. */
export const DATA_VARIABLES: Readonly<Record<string, string>> = ownTable({
  root: 'The top-level input, from inside `each`/`with` blocks.',
  index: 'Position of the current item in `each`.',
  key: 'Key of the current item in `each` over a map.',
  first: 'True for the first item in `each`.',
  last: 'True for the last item in `each`.',
  metadata: 'Dotprompt: the prompt metadata, docs and messages.',
  state: 'Dotprompt: session state passed as context.',
  auth: 'Dotprompt: auth context passed by the caller.',
});
