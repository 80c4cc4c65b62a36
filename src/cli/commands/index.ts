// The table of CLI subcommands. Each entry lives in its own file once built.
import { type CliCommand, pendingCommand } from '../command';
import { exportCommand } from './export';
import { tuneSoftCommand } from './tuneSoft';

export const commands: CliCommand[] = [
  pendingCommand('run', 'run <file.prompt> [--input k=v …] [--json]', 'Render a prompt and generate with its model'),
  pendingCommand('eval', 'eval <file.prompt> [--data FILE] [--json]', 'Evaluate a prompt on its task dataset'),
  pendingCommand('check', 'check <file.prompt…> [--json]', 'Print the language diagnostics of .prompt files'),
  pendingCommand('generate', 'generate <model> --prompt TEXT [--max-tokens N] [--greedy] [--device D] [--json]', 'Generate text with a local model'),
  pendingCommand('score', 'score <model> --prompt TEXT --continuation TEXT [--json]', 'Log-probability of a continuation'),
  exportCommand,
  tuneSoftCommand,
  pendingCommand('tune rl', 'tune rl <file.prompt> [--steps N] [--json]', 'RL prompt tuning (RLPrompt)'),
  pendingCommand('bench', 'bench', 'Run the benchmark scripts'),
  pendingCommand('demo', 'demo', 'Tuning run on the embedded default model and task'),
];
