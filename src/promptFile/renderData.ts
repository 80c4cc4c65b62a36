// Dotprompt's data argument, `{ input, messages, context, docs }`, read from JSON that a user
// wrote (`promptsmith render --data`, `run --data`): checked field by field, so a mistake names
// the field instead of surfacing later as a broken prompt.
import type { Message } from 'dotprompt';
import { describe, isPlainObject } from './promptsmithSettings';

export interface RenderData {
  /** Template variables. */
  input: Record<string, unknown>;
  /** Earlier turns: placed at `{{history}}` (or before the last user message). */
  messages?: Message[];
  /** `@name` variables while rendering. */
  context?: Record<string, unknown>;
  /** Retrieved documents (Dotprompt keeps them in `@metadata.docs`). */
  docs?: unknown[];
}

export const MESSAGE_ROLES = ['system', 'user', 'model', 'tool'] as const;
const DATA_KEYS = ['input', 'messages', 'context', 'docs'];

export class RenderDataError extends Error {}

export function parseRenderData(value: unknown, where: string): RenderData {
  if (!isPlainObject(value)) throw new RenderDataError(`${where}: expected an object like {"input": {…}, "messages": […]}, got ${describe(value)}`);
  const unknown = Object.keys(value).filter((k) => !DATA_KEYS.includes(k));
  if (unknown.length > 0) throw new RenderDataError(`${where}: unknown key '${unknown[0]}' (Dotprompt's data has ${DATA_KEYS.join(', ')})`);
  const data: RenderData = { input: {} };
  if (value.input !== undefined) {
    if (!isPlainObject(value.input)) throw new RenderDataError(`${where}.input: expected an object of variables, got ${describe(value.input)}`);
    data.input = value.input;
  }
  if (value.messages !== undefined) data.messages = parseMessages(value.messages, `${where}.messages`);
  if (value.context !== undefined) {
    if (!isPlainObject(value.context)) throw new RenderDataError(`${where}.context: expected an object of @-variables, got ${describe(value.context)}`);
    data.context = value.context;
  }
  if (value.docs !== undefined) {
    if (!Array.isArray(value.docs)) throw new RenderDataError(`${where}.docs: expected a list, got ${describe(value.docs)}`);
    data.docs = value.docs;
  }
  return data;
}

/** Messages as Dotprompt takes them: `{ role, content: [parts], metadata? }`. */
export function parseMessages(value: unknown, where: string): Message[] {
  if (!Array.isArray(value)) throw new RenderDataError(`${where}: expected a list of messages, got ${describe(value)}`);
  return value.map((m, i) => {
    const at = `${where}[${i}]`;
    if (!isPlainObject(m)) throw new RenderDataError(`${at}: expected {"role": …, "content": [{"text": …}]}, got ${describe(m)}`);
    if (typeof m.role !== 'string' || !(MESSAGE_ROLES as readonly string[]).includes(m.role)) {
      throw new RenderDataError(`${at}.role: expected one of ${MESSAGE_ROLES.join(', ')}, got ${describe(m.role)}`);
    }
    if (!Array.isArray(m.content) || !m.content.every(isPlainObject)) {
      throw new RenderDataError(`${at}.content: expected a list of parts such as [{"text": "hello"}], got ${describe(m.content)}`);
    }
    m.content.forEach((part, j) => {
      if ('text' in part && typeof part.text !== 'string') throw new RenderDataError(`${at}.content[${j}].text: expected a string, got ${describe(part.text)}`);
    });
    if (m.metadata !== undefined && !isPlainObject(m.metadata)) throw new RenderDataError(`${at}.metadata: expected an object, got ${describe(m.metadata)}`);
    return m as unknown as Message;
  });
}
