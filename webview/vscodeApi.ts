// The webview's side of the channel to the extension, and its persisted state (restored after a
// window reload by the extension's WebviewPanelSerializer).
import type { PanelToExtension } from '../src/protocol/panelMessages';

export interface PanelState {
  tab: 'live' | 'history';
  /** Opened run in the history tab. */
  openRunId?: string;
  /** Runs ticked for comparison. */
  compareIds: string[];
  /** The compare view is shown instead of one run. */
  compareOpen: boolean;
  filterPrompt: string;
  filterKind: string;
  compareMetric: 'loss' | 'reward' | 'train_acc' | 'dev_acc';
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** In the harness page (tests, benchmark) there is no VS Code: messages go to a list instead. */
const api: VsCodeApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : {
        postMessage: (m) => {
          (globalThis as { __panelPosted?: unknown[] }).__panelPosted ??= [];
          (globalThis as { __panelPosted?: unknown[] }).__panelPosted!.push(m);
        },
        getState: () => undefined,
        setState: () => undefined,
      };

export function post(message: PanelToExtension): void {
  api.postMessage(message);
}

export const defaultState: PanelState = { tab: 'live', compareIds: [], compareOpen: false, filterPrompt: '', filterKind: '', compareMetric: 'dev_acc' };

export function loadState(): PanelState {
  const saved = api.getState();
  if (typeof saved !== 'object' || saved === null) return { ...defaultState };
  const s = saved as Partial<PanelState>;
  return {
    tab: s.tab === 'history' ? 'history' : 'live',
    openRunId: typeof s.openRunId === 'string' ? s.openRunId : undefined,
    compareIds: Array.isArray(s.compareIds) ? s.compareIds.filter((x): x is string => typeof x === 'string') : [],
    compareOpen: s.compareOpen === true,
    filterPrompt: typeof s.filterPrompt === 'string' ? s.filterPrompt : '',
    filterKind: typeof s.filterKind === 'string' ? s.filterKind : '',
    // dev accuracy is the one metric manual, soft and RL runs of a task all report.
    compareMetric: s.compareMetric === 'reward' || s.compareMetric === 'train_acc' || s.compareMetric === 'loss' ? s.compareMetric : 'dev_acc',
  };
}

export function saveState(state: PanelState): void {
  api.setState(state);
}
