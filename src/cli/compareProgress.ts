// A comparison's progress for people: each method's messages as lines, and one bar over the
// methods (a method's own progress moves it between whole steps) that redraws itself on a
// terminal and elsewhere prints once per method.
import type { EngineEvent } from '../protocol/engineApi';

export function compareProgressPrinter(out: (s: string) => void, tty: boolean): (e: EngineEvent) => void {
  let lastWhole = -1;
  return (e) => {
    if (e.type === 'message') {
      out(`${tty ? '\r\x1b[K' : ''}  ${e.message}\n`);
      return;
    }
    if (e.type !== 'progress' || e.totalSteps <= 0) return;
    const width = 28;
    const done = Math.round((width * e.step) / e.totalSteps);
    const bar = `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${Math.floor(e.step)}/${e.totalSteps} methods done, ${e.elapsed_s.toFixed(0)} s`;
    if (tty) out(`\r\x1b[K${bar}`);
    else if (Math.floor(e.step) !== lastWhole) {
      lastWhole = Math.floor(e.step);
      out(`${bar}\n`);
    }
  };
}

