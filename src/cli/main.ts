#!/usr/bin/env node
// `promptsmith` command line: the same engine as the extension, for scripts and CI.
import { EngineClientError } from '../engine/client/engineClient';
import { formatFlags, parseArgs, UsageError } from './args';
import type { CliCommand } from './command';
import { commands } from './commands/index';

declare const PROMPTSMITH_VERSION: string | undefined;

function version(): string {
  return typeof PROMPTSMITH_VERSION === 'string' ? PROMPTSMITH_VERSION : 'dev';
}

function usage(): string {
  const lines = commands.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]);
  return [
    'Usage: promptsmith <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  --help       Show help (also: promptsmith <command> --help)',
    '  --version    Print the version',
  ].join('\n');
}

/** Finds the longest command name matching the leading words ('tune soft' before 'tune'). */
function findCommand(argv: readonly string[]): { command: CliCommand; rest: string[] } | undefined {
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of sorted) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { command, rest: argv.slice(words.length) };
  }
  return undefined;
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(usage() + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`promptsmith: unknown command '${argv.join(' ')}'\n\n${usage()}\n`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`Usage: promptsmith ${command.usage}\n\n${command.summary}\n${formatFlags(command.flags)}\n`);
    return 0;
  }
  try {
    return await command.run(parseArgs(rest, command.flags));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`promptsmith ${command.name}: ${err.message}\nUsage: promptsmith ${command.usage}\n`);
      return 2;
    }
    // Ctrl-C: the engine stopped the task; 130 is the shell's code for an interrupt.
    if (err instanceof EngineClientError && err.code === 'E_CANCELLED') {
      process.stderr.write(`promptsmith ${command.name}: cancelled\n`);
      return 130;
    }
    process.stderr.write(`promptsmith ${command.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.PROMPTSMITH_DEBUG) console.error(err);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`promptsmith: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
