// The engine's request handlers, one per protocol method (src/protocol/engineApi.ts). A method
// that runs long (evaluate, tuning) queues a task and records a run; see taskRuns.ts.
import type { EngineMethod } from '../../../protocol/engineApi';
import { modelService } from '../../runtime/modelService';
import { compare } from './compare';
import { evaluate } from './evaluate';
import { fineTune } from './fineTune';
import { classify, generate, loadModel, score, stats } from './model';
import type { MethodHandler } from './requestContext';
import { runPrompt } from './runPrompt';
import { serve } from './serve';
import { taskControl } from './taskControl';
import { tuneRl } from './tuneRl';
import { tuneSoft } from './tuneSoft';

export const methods: { [M in EngineMethod]: MethodHandler<M> } = {
  ping: async () => ({ pong: true, pid: process.pid }),
  loadModel,
  generate,
  score,
  classify,
  stats,
  evaluate,
  runPrompt,
  tuneSoft,
  tuneRl,
  fineTune,
  compare,
  taskControl,
  serve,
  // The host exits once this answer is sent.
  shutdown: async () => {
    await modelService.dispose();
    return { ok: true };
  },
};
