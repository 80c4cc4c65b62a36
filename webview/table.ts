// Tables built from @vscode-elements' vscode-table, with cells filled through textContent.
import { el } from './dom';

export type Cell = string | Node;

export interface TableOptions {
  label: string;
  /** Initial column widths in percent (vscode-table converts px with its width, unknown before layout). */
  columns?: string[];
  /** Row height in px used to size the table; rows holding buttons are taller. */
  rowHeight?: number;
}

export function makeTable(headers: string[], rows: Cell[][], options: TableOptions): HTMLElement {
  const table = el('vscode-table', { 'aria-label': options.label, zebra: '', 'bordered-rows': '', class: 'data-table' });
  if (options.columns) (table as HTMLElement & { columns: string[] }).columns = options.columns;
  const header = el('vscode-table-header', { slot: 'header' }, headers.map((h) => el('vscode-table-header-cell', {}, [h])));
  const body = el(
    'vscode-table-body',
    { slot: 'body' },
    rows.map((row) => el('vscode-table-row', {}, row.map((cell) => el('vscode-table-cell', {}, [cell])))),
  );
  table.append(header, body);
  // vscode-table sizes its scrolling body from its own height: give it room for the rows.
  table.style.height = `${Math.min(12, Math.max(1, rows.length)) * (options.rowHeight ?? 30) + 36}px`;
  return table;
}
