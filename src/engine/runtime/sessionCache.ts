// ORT sessions cached per (model file, device setting): opened once, shared by every request,
// and released after an idle timeout so a model nobody uses stops holding memory.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { openCausalSession } from './causalSession';
import { type Device, openSession, type SessionFactory, type SessionOnProvider } from './executionProviders';

export interface SessionLease extends SessionOnProvider {
  /** Ends this use; the session stays cached until it has been idle for the timeout. */
  release(): void;
}

interface Entry {
  opening: Promise<SessionOnProvider>;
  users: number;
  lastUsed: number;
  timer?: NodeJS.Timeout;
}

export interface SessionCacheOptions {
  /** Idle time after which an unused session is released (default 5 minutes). */
  idleMs?: number;
  factory?: SessionFactory;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly idleMs: number;
  private readonly factory: SessionFactory | undefined;

  constructor(options: SessionCacheOptions = {}) {
    this.idleMs = options.idleMs ?? 5 * 60_000;
    this.factory = options.factory;
  }

  /** Sessions currently open (or opening). */
  get size(): number {
    return this.entries.size;
  }

  has(file: string, device: Device, options: { causal?: boolean } = {}): boolean {
    return this.entries.has(SessionCache.key(file, device, options.causal));
  }

  /** `causal`: a causal LM, opened with the scored-positions input where possible (causalSession.ts). */
  async acquire(file: string, device: Device, options: { causal?: boolean } = {}): Promise<SessionLease> {
    const key = SessionCache.key(file, device, options.causal);
    let entry = this.entries.get(key);
    if (!entry) {
      const opening = options.causal ? openCausalSession(resolve(file), device, this.factory) : openSession(resolve(file), device, this.factory);
      entry = { opening, users: 0, lastUsed: Date.now() };
      this.entries.set(key, entry);
      // A failed open must not stay cached: the next request tries again.
      entry.opening.catch(() => this.entries.delete(key));
    }
    const held = entry;
    held.users++;
    if (held.timer) clearTimeout(held.timer);
    held.timer = undefined;
    let opened: SessionOnProvider;
    try {
      opened = await held.opening;
    } catch (err) {
      held.users--;
      throw err;
    }
    let released = false;
    return {
      ...opened,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        held.lastUsed = Date.now();
        if (held.users === 0) this.scheduleIdleRelease(key, held);
      },
    };
  }

  /** Releases every session now (engine shutdown). */
  async dispose(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const e of entries) if (e.timer) clearTimeout(e.timer);
    await Promise.all(entries.map((e) => e.opening.then((s) => s.session.release()).catch(() => undefined)));
  }

  private scheduleIdleRelease(key: string, entry: Entry): void {
    entry.timer = setTimeout(() => {
      if (entry.users > 0 || this.entries.get(key) !== entry) return;
      this.entries.delete(key);
      entry.opening.then((s) => s.session.release()).catch(() => undefined);
    }, this.idleMs);
    // An idle timer must never keep the process alive.
    entry.timer.unref();
  }

  /** The file's size and time are part of the key: a rewritten model file gets a new session. */
  private static key(file: string, device: Device, causal = false): string {
    const path = resolve(file);
    const st = statSync(path, { throwIfNoEntry: false });
    return `${path}\u0000${device}\u0000${st ? `${st.size}:${st.mtimeMs}` : 'missing'}\u0000${causal ? 'causal' : ''}`;
  }
}
