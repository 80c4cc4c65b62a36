// From a rendered .prompt file to the exact text the model sees: base models get the messages'
// text joined; chat models (a chat_template in tokenizer_config.json) get their chat template.
import type { RenderedPromptFile } from '../../promptFile/promptFile';
import type { ChatMessage, TextTokenizer } from '../../modelFiles/tokenizer';

/** Dotprompt says 'model' where chat templates say 'assistant'. */
function chatRole(role: string): string {
  return role === 'model' ? 'assistant' : role;
}

/** The rendered messages as chat messages (role and text). */
export function chatMessages(rendered: RenderedPromptFile): ChatMessage[] {
  return rendered.messages.map((m) => ({
    role: chatRole(m.role),
    content: m.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join(''),
  }));
}

export function promptTextForModel(rendered: RenderedPromptFile, tokenizer: TextTokenizer): string {
  if (!tokenizer.hasChatTemplate) return rendered.text;
  return tokenizer.applyChatTemplate(chatMessages(rendered), { addGenerationPrompt: true });
}
