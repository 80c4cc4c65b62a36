// Pins this process (every thread) to one CPU, so that a side-by-side comparison with a child
// process (forked after this, inheriting the mask) runs both sides on the same core. On a shared
// 2-vCPU machine the two vCPUs differ in speed by up to ~15 % at a time: a comparison whose two
// processes sit on different vCPUs measures that difference (engine ÷ bare read 0.84 in one run
// and 1.21 in the next). Linux with taskset only; elsewhere nothing is pinned.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface Pinning {
  /** What was pinned, for the bench's note. */
  description: string;
  restore(): void;
}

function taskset(cpuList: string): boolean {
  if (process.platform !== 'linux') return false;
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpuList, String(process.pid)], { encoding: 'utf8' });
  return r.status === 0;
}

export function pinToOneCpu(cpu = 0): Pinning {
  const all = `0-${cpus().length - 1}`;
  if (!taskset(String(cpu))) return { description: 'not pinned (no taskset)', restore: () => {} };
  return { description: `both processes pinned to cpu ${cpu}`, restore: () => void taskset(all) };
}
