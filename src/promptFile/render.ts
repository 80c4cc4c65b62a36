// Renders a parsed .prompt file to role messages with the `dotprompt` library, as its render()
// does, with Promptsmith's helpers (renderHelpers.ts) and partials read from `_name.prompt`
// beside the file. Errors name the file and, for helper misuse, the line. promptFile.ts
// re-exports this module, so it takes the parsed file by shape and imports nothing of it.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Dotprompt, type Message } from 'dotprompt';
import { FILE_LIMITS, readRegularFile } from '../modelFiles/regularFile';
import { partialFile, partialNamesIn, renderFailure } from './partials';
import { PromptFileError } from './promptFileError';
import { applicationHelpers, declaredHelperNames, dotpromptHelpers, TemplateHelperError } from './renderHelpers';
import { rlPromptHelper, softPromptHelper } from './softPromptSlots';
import { renderLimitProblem } from './templateLimits';

export type { Message };

/** What rendering reads of a ParsedPromptFile (promptFile.ts). */
export interface RenderableFile {
  path?: string;
  source: string;
  data: Record<string, unknown>;
  template: string;
  templateOffset: number;
  model?: string;
  config: Record<string, unknown>;
  input: { default?: Record<string, unknown> };
  problems: readonly { code: string; message: string }[];
}

/** A file that cannot be rendered: the message names the file (and the line, for helper misuse). */
export class PromptRenderError extends PromptFileError {}

export interface RenderOptions {
  /** Partials by name (in addition to `_name.prompt` files found in baseDir). */
  partials?: Record<string, string>;
  /** Folder of the .prompt file: partial `{{> name}}` is read from `baseDir/_name.prompt`. */
  baseDir?: string;
  /** Earlier conversation turns (Dotprompt's `messages`), placed at `{{history}}`. */
  history?: Message[];
  /** Dotprompt's `context`: `@name` variables while rendering (e.g. `@state`, `@auth`). */
  context?: Record<string, unknown>;
  /** `{{softprompt}}` slots: 'marker' (default; for soft prompt tuning) or 'empty' (plain runs). */
  softPromptSlots?: 'marker' | 'empty';
  /** `{{rlprompt}}`: 'empty' (default; plain runs) or 'marker' (RL prompt tuning splits there). */
  rlPromptSlot?: 'marker' | 'empty';
  /** Helpers the application registers (the `promptsmith.customHelpers` setting), besides the file's `promptsmith.helpers`. */
  customHelpers?: readonly string[];
}

export interface RenderedPromptFile {
  /** Role messages as Dotprompt renders them. */
  messages: Message[];
  /** The messages' text joined, for base models (chat models apply their chat template instead). */
  text: string;
  /** The file's `config`, as Dotprompt returns it with the messages. */
  config: Record<string, unknown>;
}

const FATAL_CODES = ['yaml-syntax', 'front-matter-unclosed', 'front-matter-not-map', 'front-matter-too-large', 'unsafe-key'];

/** Renders a parsed file with the `dotprompt` library; throws PromptRenderError on broken files. */
export async function renderPromptFile(parsed: RenderableFile, input: Record<string, unknown>, options: RenderOptions = {}): Promise<RenderedPromptFile> {
  const where = parsed.path ?? '.prompt file';
  const broken = parsed.problems.find((p) => FATAL_CODES.includes(p.code));
  if (broken) throw new PromptRenderError(`${where}: ${broken.message}`);
  const tooBig = renderLimitProblem(parsed.template);
  if (tooBig) throw new PromptRenderError(`${where}: ${tooBig}`);
  const baseDir = options.baseDir ?? (parsed.path ? dirname(parsed.path) : undefined);
  const declared = [...new Set([...(options.customHelpers ?? []), ...declaredHelperNames(parsed.data)])];
  return exclusively(async () => {
    // What each partial includes, to explain a render that recursed without end.
    const includes = new Map<string, string[]>(Object.entries(options.partials ?? {}).map(([name, source]) => [name, partialNamesIn(source)]));
    const resolvePartial = (name: string) => {
      const source = readPartial(baseDir!, name);
      if (source !== null) includes.set(name, partialNamesIn(source));
      return source;
    };
    const helpers = { ...dotpromptHelpers(declared), softprompt: softPromptHelper(options.softPromptSlots ?? 'marker'), rlprompt: rlPromptHelper(options.rlPromptSlot ?? 'empty') };
    const dotprompt = new Dotprompt({ helpers, partialResolver: baseDir ? resolvePartial : undefined });
    // Every Dotprompt instance shares one Handlebars environment (the library calls
    // Handlebars.noConflict()), so partials and helpers registered for another file would leak into this one.
    const handlebars = (dotprompt as unknown as { handlebars: SharedHandlebars }).handlebars;
    for (const name of Object.keys(handlebars.partials)) handlebars.unregisterPartial(name);
    for (const [name, source] of Object.entries(options.partials ?? {})) dotprompt.definePartial(name, source);
    try {
      const render = await dotprompt.compile({ template: parsed.template, model: parsed.model, config: parsed.config });
      const data = { input, messages: options.history, context: options.context };
      const rendered = await render(data, { input: { default: parsed.input.default } });
      return { messages: rendered.messages, text: messagesToText(rendered.messages), config: rendered.config ?? {} };
    } catch (err) {
      throw new PromptRenderError(renderErrorMessage(parsed, where, err as Error, includes));
    } finally {
      for (const name of applicationHelpers(declared)) handlebars.unregisterHelper(name);
    }
  });
}

interface SharedHandlebars {
  partials: Record<string, unknown>;
  unregisterPartial(name: string): void;
  unregisterHelper(name: string): void;
}

/** `file:line: what` for helper misuse and unknown helpers; the library's first line otherwise. */
function renderErrorMessage(parsed: RenderableFile, where: string, err: Error, includes: ReadonlyMap<string, readonly string[]>): string {
  const firstTemplateLine = parsed.source.slice(0, parsed.templateOffset).split('\n').length;
  if (err instanceof TemplateHelperError) {
    return err.line === undefined ? `${where}: ${err.message}` : `${where}:${firstTemplateLine + err.line - 1}: ${err.message}`;
  }
  const unknown = /knownHelpersOnly, but used the unknown helper (\S+) - (\d+):/.exec(err.message);
  if (unknown) {
    const line = firstTemplateLine + Number(unknown[2]) - 1;
    return `${where}:${line}: unknown helper '${unknown[1]}': Dotprompt only runs its own and Handlebars' helpers (declare application helpers in promptsmith.helpers to silence the editor; they still cannot run here)`;
  }
  return `${where}: cannot render the template: ${renderFailure(err, includes, partialNamesIn(parsed.template))}`;
}

/** Renders one at a time: the shared Handlebars environment holds this render's helpers and partials. */
let renderQueue: Promise<unknown> = Promise.resolve();
function exclusively<T>(run: () => Promise<T>): Promise<T> {
  const result = renderQueue.then(run, run);
  renderQueue = result.catch(() => undefined);
  return result;
}

/**
 * Genkit's convention: partial `name` lives in `_name.prompt` beside the prompt, registered as
 * written (partials have no front matter: Genkit passes the whole file to definePartial). Never
 * read from outside that folder, never a special file, never one too large or deep to render.
 */
export function readPartial(baseDir: string, name: string): string | null {
  let file: string;
  try {
    file = partialFile(baseDir, name);
  } catch (err) {
    throw new PromptRenderError((err as Error).message);
  }
  if (!existsSync(file)) return null;
  let source: string;
  try {
    source = readRegularFile(file, FILE_LIMITS.partial);
  } catch (err) {
    throw new PromptRenderError(`partial '${name}': ${(err as Error).message}`);
  }
  const tooBig = renderLimitProblem(source, `partial '${name}' (${file})`);
  if (tooBig) throw new PromptRenderError(tooBig);
  return source;
}

/** One message: its text as rendered; several: each trimmed, separated by a blank line. */
export function messagesToText(messages: readonly Message[]): string {
  const texts = messages.map((m) => m.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join(''));
  if (texts.length === 1) return texts[0]!;
  return texts
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .join('\n\n');
}
