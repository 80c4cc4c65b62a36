// `promptsmith render <file.prompt> [--data JSON|FILE] [--input k=v …] [--json]`: the messages a
// prompt renders to, as Dotprompt's render() gives them, without a model or the engine (so
// files naming remote or absent models render too). Partials come from `_name.prompt` beside it.
import { dirname, resolve } from 'node:path';
import type { Message } from 'dotprompt';
import { readPromptFile } from '../../promptFile/promptFile';
import { renderPromptFile } from '../../promptFile/render';
import type { RenderData } from '../../promptFile/renderData';
import { promptFileArgument } from '../args';
import type { CliCommand } from '../command';
import { dataFlags, renderDataFromFlags } from '../dataFlags';

export interface RenderResult {
  messages: Message[];
  config: Record<string, unknown>;
}

/** What `render --json` prints for a file and its data. */
export async function renderForCli(file: string, data: RenderData, customHelpers?: readonly string[]): Promise<RenderResult> {
  const parsed = readPromptFile(resolve(file));
  const rendered = await renderPromptFile(parsed, data.input, {
    baseDir: dirname(resolve(file)),
    history: data.messages,
    context: data.context,
    softPromptSlots: 'empty',
    customHelpers,
  });
  return { messages: rendered.messages, config: rendered.config };
}

/** A message for people: its role (and purpose), then its parts. */
export function formatMessages(messages: readonly Message[]): string {
  return messages
    .map((m) => {
      const purpose = typeof m.metadata?.purpose === 'string' ? ` · ${m.metadata.purpose}` : '';
      const parts = m.content.map((part) => {
        if ('text' in part && typeof part.text === 'string') return part.text;
        if ('media' in part && part.media) return `[media ${part.media.url}${part.media.contentType ? ` (${part.media.contentType})` : ''}]\n`;
        const section = part.metadata?.purpose;
        return typeof section === 'string' ? `[section ${section}]\n` : `[${Object.keys(part).join(', ')}]\n`;
      });
      return `── ${m.role}${purpose} ──\n${parts.join('')}`;
    })
    .join('\n');
}

export const renderCommand: CliCommand = {
  name: 'render',
  usage: 'render <file.prompt> [--data JSON|FILE] [--input k=v …] [--helper NAME …] [--json]',
  summary: 'Render a prompt to its messages as Dotprompt does (no model is loaded)',
  flags: {
    ...dataFlags,
    helper: { kind: 'strings', description: 'a helper your application registers (as the promptsmith.customHelpers setting; repeatable)' },
    json: { kind: 'boolean', description: 'Print {"messages":[{"role","content":[…],"metadata"?}…],"config":{…}}' },
  },
  async run(args) {
    const file = promptFileArgument(args);
    const result = await renderForCli(file, renderDataFromFlags(args), args.flags['helper'] as string[] | undefined);
    if (args.flags['json']) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${formatMessages(result.messages)}${result.messages.length === 0 ? '(no messages)\n' : ''}`);
    return 0;
  },
};
