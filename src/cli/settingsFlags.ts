// CLI flags that set front-matter settings (`--batch-size 8` → `batchSize: 8`), checked against
// the same settings table as the front matter and the engine, so all three say the same thing.
import { type SettingsTable, settingsProblems } from '../promptFile/promptsmithSettings';
import type { FlagSpec, ParsedArgs } from './args';
import { UsageError } from './args';

/** `--batch-size` ↔ `batchSize`. */
export function flagName(setting: string): string {
  return setting.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** One flag per setting named, described from the table. */
export function settingFlags(table: SettingsTable, settings: readonly string[]): Record<string, FlagSpec> {
  return Object.fromEntries(
    settings.map((name) => {
      const spec = table[name]!;
      const kind = spec.type === 'integer' || spec.type === 'number' ? 'number' : 'string';
      return [flagName(name), { kind, description: spec.description.split('. ')[0]!.replace(/\.$/, '') }];
    }),
  );
}

/** The settings given as flags, validated (a bad one is a usage error naming the flag). */
export function settingsFromFlags(args: ParsedArgs, table: SettingsTable, settings: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of settings) {
    const value = args.flags[flagName(name)];
    if (value !== undefined) values[name] = value;
  }
  return checkedSettings(table, values, (name) => `--${flagName(name)}`);
}

/** `values` when they fit the table; else a usage error naming the flag that gave the bad one. */
export function checkedSettings(table: SettingsTable, values: Record<string, unknown>, flagOf: (setting: string) => string): Record<string, unknown> {
  const bad = settingsProblems(table, values)[0];
  if (bad) throw new UsageError(`${flagOf(bad.name)}: ${bad.why}`);
  return values;
}
