// `promptsmith check --format sarif` for code scanning: valid SARIF 2.1.0 shape, one rule per
// code that occurs, regions matching the text output, paths relative to the working folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseArgs } from '../../../src/cli/args';
import { checkCommand } from '../../../src/cli/commands/check';

async function runCheck(argv: string[], cwd: string): Promise<{ code: number; out: string }> {
  let out = '';
  const write = process.stdout.write;
  const before = process.cwd();
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.chdir(cwd);
  try {
    const code = await checkCommand.run(parseArgs(argv, checkCommand.flags));
    return { code, out };
  } finally {
    process.stdout.write = write;
    process.chdir(before);
  }
}

test('check --format sarif: SARIF 2.1.0 results with rules, levels and 1-based regions; Continue files skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sarif-'));
  mkdirSync(join(dir, 'prompts'));
  writeFileSync(join(dir, 'prompts', 'a.prompt'), '---\noutput: { format: yaml }\n---\nHi {{json}}\n');
  writeFileSync(join(dir, 'prompts', 'continue.prompt'), 'name: t\n---\n<system>x</system>\n{{{ input }}}\n');
  const r = await runCheck(['prompts', '--format', 'sarif'], dir);
  assert.equal(r.code, 1, 'an error makes the exit code 1, as with text output');
  const sarif = JSON.parse(r.out);
  assert.equal(sarif.version, '2.1.0');
  const run = sarif.runs[0];
  assert.equal(run.tool.driver.name, 'promptsmith');
  assert.deepEqual(
    run.tool.driver.rules.map((rule: { id: string }) => rule.id),
    ['helper-arguments', 'output-format'],
  );
  assert.ok(run.tool.driver.rules.every((rule: { shortDescription: { text: string } }) => rule.shortDescription.text.length > 10));
  assert.deepEqual(
    run.results.map((x: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: object } }[] }) => [
      x.ruleId,
      x.level,
      x.locations[0]!.physicalLocation.artifactLocation.uri,
      x.locations[0]!.physicalLocation.artifactLocation.uriBaseId,
      x.locations[0]!.physicalLocation.region,
    ]),
    [
      ['output-format', 'warning', 'prompts/a.prompt', 'SRCROOT', { startLine: 2, startColumn: 19, endLine: 2, endColumn: 23 }],
      ['helper-arguments', 'error', 'prompts/a.prompt', 'SRCROOT', { startLine: 4, startColumn: 4, endLine: 4, endColumn: 12 }],
    ],
  );
  const text = await runCheck(['prompts'], dir);
  assert.match(text.out, /prompts\/a\.prompt:2:19: warning output-format/);
  assert.match(text.out, /prompts\/continue\.prompt: skipped: Continue prompt file/);
  const bad = checkCommand.run(parseArgs(['prompts', '--format', 'xml'], checkCommand.flags));
  await assert.rejects(bad, /--format must be text, json or sarif/);
});
