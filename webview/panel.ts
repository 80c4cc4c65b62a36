// Entry of the runs panel (bundled to dist/webview/panel.js). Receives validated messages from
// the extension, batches live events per animation frame, and keeps its view state across
// reloads with the webview state API.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import 'uplot/dist/uPlot.min.css';
import './panel.css';
import { type ExtensionToPanel, parseExtensionToPanel } from '../src/protocol/panelMessages';
import { el, replaceChildren } from './dom';
import { HistoryView } from './historyView';
import { LiveRuns } from './liveRuns';
import { LiveView } from './liveView';
import { loadState, post, saveState } from './vscodeApi';

const state = loadState();
const persist = () => saveState(state);

const live = new LiveRuns((changed) => liveView.update(changed));
const liveView = new LiveView(live);
const history = new HistoryView(state, persist);
const notices = el('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });

const tabs = el('vscode-tabs', { 'selected-index': state.tab === 'history' ? '1' : '0' }, [
  el('vscode-tab-header', { slot: 'header' }, ['Live']),
  el('vscode-tab-panel', {}, [liveView.element]),
  el('vscode-tab-header', { slot: 'header' }, ['History']),
  el('vscode-tab-panel', {}, [history.element]),
]);
tabs.addEventListener('vsc-tabs-select', (event) => {
  state.tab = (event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex === 1 ? 'history' : 'live';
  persist();
});

replaceChildren(document.getElementById('app') ?? document.body, [notices, tabs]);

function showTab(tab: 'live' | 'history'): void {
  (tabs as HTMLElement & { selectedIndex: number }).selectedIndex = tab === 'history' ? 1 : 0;
  state.tab = tab;
  persist();
}

function handle(message: ExtensionToPanel): void {
  switch (message.type) {
    case 'history':
      history.setRuns(message.runs);
      break;
    case 'liveRun':
      live.upsert(message.run);
      break;
    case 'taskEvents':
      live.enqueue(message.runId, message.events);
      break;
    case 'runDetail':
      history.setDetail(message.detail);
      break;
    case 'openRun':
      showTab('history');
      history.openRun(message.runId);
      break;
    case 'notice': {
      const note = el('p', { class: message.level === 'error' ? 'error' : 'muted' }, [message.message]);
      notices.append(note);
      setTimeout(() => note.remove(), 8000);
      break;
    }
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  let message: ExtensionToPanel;
  try {
    message = parseExtensionToPanel(event.data);
  } catch (err) {
    console.warn(`promptsmith panel: dropped malformed message: ${(err as Error).message}`);
    return;
  }
  handle(message);
});

/** For the harness page and the benchmark: the same path a real message takes, minus postMessage. */
(globalThis as { __promptsmithPanel?: unknown }).__promptsmithPanel = {
  receive: (raw: unknown) => handle(parseExtensionToPanel(raw)),
  flush: () => live.flush(),
  showTab,
  openRun: (runId: string) => history.openRun(runId),
  compare: (runIds: string[]) => history.openCompare(runIds),
};

post({ type: 'ready' });
