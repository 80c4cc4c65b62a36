// The table of CLI subcommands. Each entry lives in its own file once built.
import type { CliCommand } from '../command';
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
import { tuneRandomCommand, tuneRlCommand } from './tuneRl';
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
  tuneRlCommand,
  tuneRandomCommand,
  serveCommand,
  benchCommand,
  demoCommand,
];
