// `serve`: one local model of the engine's model service behind the OpenAI HTTP API until the
// client cancels. The engine process serves (not the CLI): it is where models live, so the CLI
// stays free of the runtime, and the extension could share a model the same way.
import { basename } from 'node:path';
import { servingMessage } from '../../../protocol/methods/serve';
import { startOpenAiServer } from '../../remote/server/openAiServer';
import { modelService } from '../../runtime/modelService';
import type { MethodHandler } from './requestContext';

export const serve: MethodHandler<'serve'> = async (params, ctx) => {
  const model = await modelService.model(params, ctx);
  if (model.kind !== 'causal') throw new Error(`${params.model} is a masked LM: serve needs a causal LM (completions)`);
  const name = params.name ?? basename(model.folder.dir);
  let requests = 0;
  const server = await startOpenAiServer({
    model,
    name,
    host: params.host,
    port: params.port,
    parallel: params.parallel,
    log: (line) => {
      requests++;
      if (params.log) ctx.emit({ type: 'message', level: 'info', message: line });
    },
  });
  ctx.emit({ type: 'device', device: model.provider });
  ctx.emit({ type: 'message', level: 'info', message: servingMessage(name, server.url) });
  if (!/^(127\.|localhost$|::1$|\[::1\]$)/.test(params.host ?? '127.0.0.1')) {
    ctx.emit({ type: 'message', level: 'warning', message: `listening on ${params.host}: anyone who can reach this address can use the model (serve has no authentication)` });
  }
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  return { url: server.url, requests };
};
