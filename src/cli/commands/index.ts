// The table of CLI subcommands. Each entry lives in its own file once built.
import { type CliCommand, pendingCommand } from '../command';
import { benchCommand } from './bench';
import { checkCommand } from './check';
import { compareCommand } from './compare';
import { demoCommand } from './demo';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { generateCommand } from './generate';
import { renderCommand } from './render';
import { runCommand } from './run';
import { scoreCommand } from './score';
import { serveCommand } from './serve';
import { splitCommand } from './split';
import { tuneFinetuneCommand } from './tuneFinetune';
import { tuneSoftCommand } from './tuneSoft';

export const commands: CliCommand[] = [
  runCommand,
  evalCommand,
  checkCommand,
  renderCommand,
  generateCommand,
  scoreCommand,
  exportCommand,
  tuneSoftCommand,
  tuneFinetuneCommand,
  splitCommand,
  compareCommand,
  pendingCommand('tune rl', 'tune rl <file.prompt> [--steps N] [--json]', 'RL prompt tuning (RLPrompt)'),
  serveCommand,
  benchCommand,
  demoCommand,
];
