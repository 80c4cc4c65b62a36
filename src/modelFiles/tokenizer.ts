// Text ⇄ token ids for a model folder (tokenizer.json + tokenizer_config.json), over the pure-JS
// @huggingface/tokenizers. No onnxruntime here: the language server imports this for token counts.
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { CHAT_TEMPLATE_LIMITS, renderChatTemplate } from './chatTemplate';
import { FILE_LIMITS, readRegularFile } from './regularFile';

/** A tokenizer file that is missing or broken; the message names the file. */
export class TokenizerError extends Error {
  readonly code = 'E_BAD_TOKENIZER';
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}

export interface ChatMessage {
  role: string;
  content: string;
}

export interface TextTokenizer {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;
  readonly maskId: number | undefined;
  readonly unkId: number | undefined;
  /** Number of ids the tokenizer knows (vocabulary plus added tokens). */
  readonly vocabSize: number;
  /** Whether the model ships a chat template (tokenizer_config.json `chat_template`). */
  readonly hasChatTemplate: boolean;
  /** Renders messages with the model's chat template (with the generation prompt appended). */
  applyChatTemplate(messages: readonly ChatMessage[], options?: { addGenerationPrompt?: boolean }): string;
}

function readJson(file: string, maxBytes: number): Record<string, unknown> {
  let text: string;
  try {
    text = readRegularFile(file, maxBytes);
  } catch (err) {
    throw new TokenizerError((err as Error).message);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TokenizerError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenizerError(`${file}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** A special token in tokenizer_config.json is a string or an AddedToken object {content}. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

/** Some configs give several named templates: [{name, template}]; 'default' is the chat one. */
function chatTemplateOf(config: Record<string, unknown>): string | undefined {
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: string; template?: string }[];
    return (named.find((x) => x.name === 'default') ?? named[0])?.template;
  }
  return undefined;
}

export function loadTokenizer(modelDir: string): TextTokenizer {
  const tokenizerFile = join(modelDir, 'tokenizer.json');
  const configFile = join(modelDir, 'tokenizer_config.json');
  const tokenizerJson = readJson(tokenizerFile, FILE_LIMITS.tokenizer);
  // tokenizer_config.json is optional in the wild (GPT-2 exports); without it, defaults apply.
  let config: Record<string, unknown> = {};
  try {
    config = readJson(configFile, FILE_LIMITS.json);
  } catch (err) {
    if (!(err instanceof TokenizerError) || !err.message.endsWith('file not found')) throw err;
  }
  let inner: Tokenizer;
  try {
    inner = new Tokenizer(tokenizerJson, config);
    inner.encode('a');
  } catch (err) {
    throw new TokenizerError(`${tokenizerFile}: cannot build the tokenizer (${(err as Error).message.split('\n')[0]})`);
  }
  const idOf = (key: string): number | undefined => {
    const text = tokenText(config[key]);
    return text === undefined ? undefined : inner.token_to_id(text);
  };
  const vocab = inner.get_vocab(true);
  let maxId = -1;
  for (const id of vocab.values()) maxId = Math.max(maxId, id);
  const templateSource = chatTemplateOf(config);
  if (templateSource !== undefined && templateSource.length > CHAT_TEMPLATE_LIMITS.maxTemplateChars) {
    throw new TokenizerError(`${configFile}: chat_template is ${Math.round(templateSource.length / 1024)} KB; Promptsmith runs chat templates up to ${CHAT_TEMPLATE_LIMITS.maxTemplateChars / 1024} KB`);
  }
  let template: Template | undefined;
  const specialTokens: Record<string, string> = {};
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token', 'mask_token', 'sep_token', 'cls_token']) {
    const text = tokenText(config[key]);
    if (text !== undefined) specialTokens[key] = text;
  }

  // Scoring and tuning loops encode the same texts again and again; encoding costs ~0.1-0.2 ms
  // per short text, as much as a forward pass of a tiny model, so results are memoized.
  const memo = new Map<string, number[]>();
  const encode = (text: string, addSpecialTokens: boolean): number[] => {
    const key = `${addSpecialTokens ? 1 : 0}${text}`;
    let ids = memo.get(key);
    if (!ids) {
      ids = inner.encode(text, { add_special_tokens: addSpecialTokens }).ids;
      if (memo.size >= 50_000) memo.clear();
      memo.set(key, ids);
    }
    return ids.slice();
  };

  return {
    encode: (text, options) => encode(text, options?.addSpecialTokens ?? true),
    decode: (ids, options) => inner.decode([...ids], { skip_special_tokens: options?.skipSpecialTokens ?? true }),
    idToToken: (id) => inner.id_to_token(id),
    tokenToId: (token) => inner.token_to_id(token),
    bosId: idOf('bos_token'),
    eosId: idOf('eos_token'),
    padId: idOf('pad_token'),
    maskId: idOf('mask_token'),
    unkId: idOf('unk_token'),
    vocabSize: maxId + 1,
    hasChatTemplate: templateSource !== undefined,
    applyChatTemplate(messages, options) {
      if (templateSource === undefined) throw new TokenizerError(`${configFile}: the model has no chat_template`);
      try {
        template ??= new Template(templateSource);
        return renderChatTemplate(template, { messages, add_generation_prompt: options?.addGenerationPrompt ?? true, ...specialTokens });
      } catch (err) {
        throw new TokenizerError(`${configFile}: chat_template failed (${(err as Error).message.split('\n')[0]})`);
      }
    },
  };
}
