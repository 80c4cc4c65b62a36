// The soft prompt tuning side of bench/scale: a child process (its peak RSS is the tuning's own)
// that opens what tuneSoftPrompt opens on the SmolLM2-135M-shaped checkpoint and runs one
// training step (20 virtual tokens, batch 8, 44 text tokens: forward, backward, optimizer) each
// time the parent asks, so the parent can time a bare forward pass between steps.
import { type ChildProcess, fork } from 'node:child_process';
import { engineProcessEnv } from '../src/engine/client/engineProcessEnv';
import { readFileSync } from 'node:fs';
import { seededRandom } from '../src/engine/onnx/export/tinyModels';
import type { BatchExample } from '../src/engine/tuning/softprompt/batchFeeds';
import { SoftPromptObjective } from '../src/engine/tuning/softprompt/objective';
import { openSoftPromptSessions } from '../src/engine/tuning/softprompt/softPromptSession';
import { virtualTokenIds } from '../src/engine/tuning/softprompt/surgery';
import { makeOptimizer } from '../src/engine/tuning/softprompt/trainer';
import { loadTrainingGraph } from '../src/engine/tuning/softprompt/trainingGraph';

export const VIRTUAL_TOKENS = 20;
export const BATCH = 8;
/** BOS + 43 tokens: with the virtual tokens, rows of 64 like the bare forward pass's. */
export const TEXT_TOKENS = 44;
const CHILD_ENV = 'PROMPTSMITH_SCALE_TUNING_CHILD';

type ToChild = { type: 'step' } | { type: 'done' };
type FromChild = { type: 'ready'; openS: number } | { type: 'step'; ms: number; loss: number } | { type: 'done'; maxRssMiB: number } | { type: 'error'; message: string };

/** Random text rows (BOS first) after the virtual tokens, labels alternating. */
function examples(vocab: number, count: number, seed: number): BatchExample[] {
  const random = seededRandom(seed);
  const virtual = virtualTokenIds(vocab, VIRTUAL_TOKENS);
  return Array.from({ length: count }, (_, e) => ({
    ids: [...virtual, 1, ...Array.from({ length: TEXT_TOKENS - 1 }, () => 3 + Math.floor(random() * (vocab - 3)))],
    label: e % 2,
  }));
}

async function childMain(checkpoint: string): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  const started = performance.now();
  // As tuneSoftPrompt opens it: one session for training, dev evaluation and the manual baseline.
  const sessions = await openSoftPromptSessions(loadTrainingGraph(checkpoint), { numVirtualTokens: VIRTUAL_TOKENS, loss: 'classification', device: 'cpu', gradient: true });
  const openS = (performance.now() - started) / 1000;
  const classTokens = [[100], [200]];
  const objective = new SoftPromptObjective(sessions, classTokens);
  const n = VIRTUAL_TOKENS;
  const d = sessions.hidden;
  const prompt = new Float32Array(n * d).map((_, i) => Math.sin(i) * 0.02);
  const optimizer = makeOptimizer('adafactor', [n, d], 0.3);
  const train = examples(sessions.vocabSize, BATCH, 1);
  // A dev evaluation (forward only) and the manual baseline, as a tuning run does.
  await objective.evaluate(prompt, examples(sessions.vocabSize, 2 * BATCH, 2));
  await objective.evaluate(undefined, examples(sessions.vocabSize, BATCH, 3).map((ex) => ({ ...ex, ids: ex.ids.slice(n) })));
  send({ type: 'ready', openS });
  process.on('message', async (m: ToChild) => {
    try {
      if (m.type === 'step') {
        const t = performance.now();
        const r = await objective.lossAndGrad(prompt, train);
        optimizer.step(prompt, r.grad!);
        send({ type: 'step', ms: performance.now() - t, loss: r.loss });
      } else {
        send({ type: 'done', maxRssMiB: peakRssMiB() });
        process.disconnect();
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).stack ?? String(err) });
    }
  });
}

/**
 * This process's peak RSS. On Linux from /proc (VmHWM): getrusage's maxRSS of a spawned child
 * also counts the parent's RSS at the time of the fork before the exec.
 */
function peakRssMiB(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib) return Number(kib) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

if (process.env[CHILD_ENV]) {
  childMain(process.env[CHILD_ENV]!).catch((err) => {
    process.send?.({ type: 'error', message: (err as Error).stack ?? String(err) });
    process.exitCode = 1;
  });
}

/** The parent's handle on the tuning child. */
export class TuningChild {
  private readonly child: ChildProcess;
  private waiting: ((m: FromChild) => void) | undefined;
  private failure: Error | undefined;

  private constructor(bundle: string, checkpoint: string) {
    // The environment an engine process gets, so memory and speed are the product's.
    this.child = fork(bundle, [], { env: engineProcessEnv({ ...process.env, [CHILD_ENV]: checkpoint }), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromChild) => {
      if (m.type === 'error') this.failure = new Error(`tuning child: ${m.message}`);
      const w = this.waiting;
      this.waiting = undefined;
      w?.(m);
    });
    this.child.on('exit', (code, signal) => {
      if (!this.failure && this.waiting) this.failure = new Error(`tuning child exited (${code ?? signal})`);
      const w = this.waiting;
      this.waiting = undefined;
      w?.({ type: 'error', message: String(this.failure) });
    });
  }

  /** Forks `bundle` (this module's bundled file) as the child; resolves once its sessions are open. */
  static async start(bundle: string, checkpoint: string): Promise<{ child: TuningChild; openS: number }> {
    const child = new TuningChild(bundle, checkpoint);
    const ready = await child.next();
    if (ready.type !== 'ready') throw child.failure ?? new Error(`tuning child: unexpected ${ready.type}`);
    return { child, openS: ready.openS };
  }

  private next(message?: ToChild): Promise<FromChild> {
    return new Promise((resolve, reject) => {
      this.waiting = (m) => (m.type === 'error' ? reject(this.failure ?? new Error(m.message)) : resolve(m));
      if (message) this.child.send(message);
    });
  }

  async step(): Promise<{ ms: number; loss: number }> {
    const m = await this.next({ type: 'step' });
    if (m.type !== 'step') throw new Error(`tuning child: unexpected ${m.type}`);
    return m;
  }

  /** Ends the child and returns its peak RSS (MiB). */
  async finish(): Promise<number> {
    const m = await this.next({ type: 'done' });
    if (m.type !== 'done') throw new Error(`tuning child: unexpected ${m.type}`);
    return m.maxRssMiB;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}
