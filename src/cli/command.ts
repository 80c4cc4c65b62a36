// What a CLI subcommand is: its usage line, its flags, and what it runs. Subcommands live one
// per file under commands/ and are listed in commands/index.ts.
import type { FlagSpec, ParsedArgs } from './args';

export interface CliCommand {
  /** e.g. 'generate' or 'tune soft' */
  name: string;
  usage: string;
  summary: string;
  flags: Record<string, FlagSpec>;
  /** Returns the process exit code. */
  run(args: ParsedArgs): Promise<number>;
}
