// Live runs as the webview sees them, and the batching of incoming events: events are queued as
// they arrive and applied once per animation frame, so thousands of events per second cost one
// redraw per frame.
import { appendToSeries, emptySeries, type LiveRunInfo, type MetricSeries } from '../src/protocol/panelMessages';
import type { BestPromptRow, ProgressEvent, TaskEvent, TaskResult, TaskStatus } from '../src/protocol/taskEvents';

export interface LiveRun {
  info: LiveRunInfo;
  series: MetricSeries;
  last?: ProgressEvent;
  bestPrompts: BestPromptRow[];
  status: TaskStatus;
  message?: string;
  result?: TaskResult;
  /** Bumped when bestPrompts changes, so the table is rebuilt only then. */
  promptsVersion: number;
}

export class LiveRuns {
  readonly runs = new Map<string, LiveRun>();
  private pending = new Map<string, TaskEvent[]>();
  private frameRequested = false;

  constructor(
    private readonly onFlush: (changedRunIds: Set<string>) => void,
    private readonly schedule: (callback: () => void) => void = (cb) => requestAnimationFrame(cb),
  ) {}

  upsert(info: LiveRunInfo): void {
    const existing = this.runs.get(info.runId);
    if (existing) {
      existing.info = info;
      existing.status = info.status;
    } else {
      this.runs.set(info.runId, { info, series: emptySeries(), bestPrompts: [], status: info.status, promptsVersion: 0 });
    }
    this.onFlush(new Set([info.runId]));
  }

  /** Queues events; they are applied on the next animation frame. */
  enqueue(runId: string, events: TaskEvent[]): void {
    const queue = this.pending.get(runId);
    if (queue) queue.push(...events);
    else this.pending.set(runId, [...events]);
    if (!this.frameRequested) {
      this.frameRequested = true;
      this.schedule(() => this.flush());
    }
  }

  flush(): void {
    this.frameRequested = false;
    const changed = new Set<string>();
    for (const [runId, events] of this.pending) {
      const run = this.runs.get(runId);
      if (!run) continue; // events for a run we were never told about: dropped
      for (const event of events) applyEvent(run, event);
      changed.add(runId);
    }
    this.pending = new Map();
    if (changed.size > 0) this.onFlush(changed);
  }
}

function applyEvent(run: LiveRun, event: TaskEvent): void {
  switch (event.type) {
    case 'progress':
      appendToSeries(run.series, event);
      run.last = event;
      break;
    case 'bestPrompts':
      run.bestPrompts = event.rows;
      run.promptsVersion++;
      break;
    case 'status':
      run.status = event.status;
      run.info = { ...run.info, status: event.status };
      run.message = event.message;
      break;
    case 'result':
      run.result = event.result;
      if (event.result.bestPrompts && run.bestPrompts.length === 0) {
        run.bestPrompts = event.result.bestPrompts;
        run.promptsVersion++;
      }
      break;
    case 'checkpoint':
      break;
  }
}
