// What a comparison needs to run one method on its own: a fresh engine process (so its peak
// memory is its own), typed requests, and that process's peak resident memory at the end.
import type { EngineEvent, EngineMethod, ParamsOf, ResultOf } from '../../../protocol/engineApi';

export interface MethodProcess {
  request<M extends EngineMethod>(method: M, params: ParamsOf<M>, options?: { onEvent?(event: EngineEvent): void; signal?: AbortSignal }): Promise<ResultOf<M>>;
  /** Peak resident set size of the process so far, MiB. */
  peakRssMb(): Promise<number>;
  close(): Promise<void>;
}

export type OpenMethodProcess = () => MethodProcess;
