// The starting points "New .prompt File" offers. Plain data (no vscode import) so a unit test can
// check that each one opens without errors and renders.

export interface PromptTemplate {
  id: string;
  label: string;
  detail: string;
  text: string;
}

export const PROMPT_TEMPLATES: readonly PromptTemplate[] = [
  {
    id: 'classification',
    label: 'Classification task',
    detail: 'Labels scored by their verbalizers; evaluate on a dev set, tune a soft prompt or an RL prompt',
    text: `---
# model: a local model folder (Hugging Face layout) or a hub id; without it, the promptsmith.model setting is used.
input:
  schema:
    text: string, the text to classify
promptsmith.task:
  # JSONL or CSV with a "text" field and a "label" field, relative to this file.
  train: data/train.jsonl
  dev: data/dev.jsonl
  labels:
    positive: " happy"
    negative: " sad"
promptsmith.softPrompt:
  tokens: 8
  init: TEXT
  initText: The text feels
  steps: 200
---
{{text}} It was
`,
  },
  {
    id: 'chat',
    label: 'Chat',
    detail: "System and user messages with the conversation so far; the model's chat template is applied",
    text: `---
description: A chat prompt for an instruction-tuned model.
config:
  temperature: 0.7
  maxOutputTokens: 256
input:
  schema:
    question: string
---
{{role "system"}}
You are a helpful assistant. Answer in at most three sentences.
{{history}}
{{role "user"}}
{{question}}
`,
  },
  {
    id: 'extraction',
    label: 'Extraction with an output schema',
    detail: 'Structured JSON output: the model is told the schema and its reply is checked against it',
    text: `---
description: Extracts structured data from a text as JSON.
config:
  temperature: 0
  maxOutputTokens: 200
input:
  schema:
    text: string, the text to read
output:
  format: json
  schema:
    name: string, the main person
    age?: integer
    topics: string[], what the text is about
---
{{role "system"}}
Read the text and answer with JSON only.
{{section "output"}}
{{role "user"}}
{{text}}
`,
  },
];
