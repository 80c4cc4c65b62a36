// `promptsmith serve <model>`: the model behind the OpenAI HTTP API (/v1/models,
// /v1/completions with echo and logprobs, /v1/chat/completions), so Promptsmith on other
// machines — or any OpenAI client — can use it as `openai-compatible/<name>`. Loopback only
// unless --host says otherwise. Runs until Ctrl-C.
import type { CliCommand } from '../command';
import { UsageError } from '../args';
import { eventRouter, modelArgument, modelFlags, modelRefFromFlags, withEngine } from '../engineForCli';

export const serveCommand: CliCommand = {
  name: 'serve',
  usage: 'serve <model> [--host 127.0.0.1] [--port N] [--name ID] [--parallel N] [--log] [--device D]',
  summary: 'Serve a local model over the OpenAI HTTP API',
  flags: {
    host: { kind: 'string', description: 'address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the network)' },
    port: { kind: 'number', description: 'port (default: a free one, printed at start)' },
    name: { kind: 'string', description: "the model id in /v1/models (default: the model folder's name)" },
    parallel: { kind: 'number', description: 'model passes at once (default 1)' },
    log: { kind: 'boolean', description: 'print one line per request' },
    ...modelFlags,
  },
  async run(args) {
    const f = args.flags;
    const ref = modelRefFromFlags(modelArgument(args.positionals), f);
    const port = f['port'];
    if (port !== undefined && (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535)) throw new UsageError('--port needs a port number 0–65535');
    const parallel = f['parallel'];
    if (parallel !== undefined && (!Number.isInteger(parallel) || (parallel as number) < 1)) throw new UsageError('--parallel needs a whole number ≥ 1');
    const route = eventRouter();
    const result = await withEngine((client, signal) =>
      client.request(
        'serve',
        { ...ref, host: f['host'] as string | undefined, port: port as number | undefined, name: f['name'] as string | undefined, parallel: parallel as number | undefined, log: f['log'] === true || undefined },
        {
          signal,
          onEvent: (e) => {
            if (e.type === 'message') process.stdout.write(`${e.message}\n`);
            else if (e.type === 'device') process.stderr.write(`device ${e.device}\n`);
            else route(e);
          },
        },
      ),
    );
    process.stderr.write(`stopped after ${result.requests} requests\n`);
    return 0;
  },
};
