// From a rendered .prompt file to the exact text the model sees: base models get the messages'
// text joined; chat models (a chat_template in tokenizer_config.json) get their chat template.
import type { RenderedPromptFile } from '../../promptFile/promptFile';
import type { TextTokenizer } from '../../modelFiles/tokenizer';

/** Dotprompt says 'model' where chat templates say 'assistant'. */
function chatRole(role: string): string {
  return role === 'model' ? 'assistant' : role;
}

export function promptTextForModel(rendered: RenderedPromptFile, tokenizer: TextTokenizer): string {
  if (!tokenizer.hasChatTemplate) return rendered.text;
  const messages = rendered.messages.map((m) => ({
    role: chatRole(m.role),
    content: m.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join(''),
  }));
  return tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
}
