// The best prompts table: prompt text, tokens, reward, train/dev/test accuracy, and an Apply
// button that asks the extension to put the prompt into the .prompt file.
import type { BestPromptRow } from '../src/protocol/taskEvents';
import { button, el } from './dom';
import { fmtNumber } from './format';
import { formatPercent } from '../src/protocol/format';
import { makeTable } from './table';
import { post } from './vscodeApi';

export function bestPromptsTable(runId: string, rows: readonly BestPromptRow[], options: { canApply: boolean }): HTMLElement {
  if (rows.length === 0) return el('p', { class: 'muted' }, ['No prompts reported yet.']);
  const headers = ['#', 'Prompt', 'Tokens', 'Reward', 'Train acc', 'Dev acc', 'Test acc', ''];
  const body = rows.map((row, i) => [
    String(i + 1),
    el('code', { class: 'prompt-text', title: row.text }, [JSON.stringify(row.text)]),
    el('span', { class: 'tokens', title: `ids: ${row.ids.join(', ')}` }, [row.tokens.map((t) => JSON.stringify(t)).join(' ')]),
    fmtNumber(row.reward),
    formatPercent(row.train_acc),
    formatPercent(row.dev_acc),
    formatPercent(row.test_acc),
    options.canApply
      ? button('Apply', () => post({ type: 'applyPrompt', runId, text: row.text }), { secondary: true, title: `Apply prompt ${i + 1} to the .prompt file` })
      : '',
  ]);
  return makeTable(headers, body, { label: 'Best prompts', rowHeight: options.canApply ? 30 : 26, columns: ['4%', '28%', '22%', '8%', '8%', '8%', '8%', '12%'] });
}
