// A small, strict argument parser: flags are declared per command, so an unknown flag or a
// missing value is a usage error (exit 2) rather than being silently ignored.

import { resolve } from 'node:path';

export class UsageError extends Error {}

export type FlagKind = 'boolean' | 'string' | 'number' | 'strings';

export interface FlagSpec {
  kind: FlagKind;
  description: string;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, boolean | string | number | string[] | undefined>;
}

/** The one <file.prompt> argument a command takes (a usage error when it is missing or not alone). */
export function promptFileArgument(args: ParsedArgs): string {
  const [file, ...extra] = args.positionals;
  if (!file) throw new UsageError('missing <file.prompt>');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  return file;
}

/** A path-valued flag resolved against the working directory (undefined when not given). */
export function pathFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === 'string' ? resolve(value) : undefined;
}

export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const positionals: string[] = [];
  const flags: ParsedArgs['flags'] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = spec[name];
    if (!flag) throw new UsageError(`unknown flag --${name}`);
    if (flag.kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (flag.kind === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} needs a number, got '${value}'`);
      flags[name] = n;
    } else if (flag.kind === 'strings') {
      flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    } else {
      flags[name] = value;
    }
  }
  return { positionals, flags };
}

export function formatFlags(spec: Record<string, FlagSpec>): string {
  return Object.entries(spec)
    .map(([name, f]) => `  --${name}${f.kind === 'boolean' ? '' : ` <${f.kind === 'number' ? 'n' : 'value'}>`}`.padEnd(28) + f.description)
    .join('\n');
}
