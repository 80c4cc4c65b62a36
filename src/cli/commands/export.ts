// `promptsmith export <src> --out <dir>`: a safetensors checkpoint folder, or a llama2.c checkpoint
// (`.bin` + tokenizer `.bin`), → a transformers.js-style ONNX folder (onnx/model.onnx + config
// and tokenizer files). Progress goes to stderr.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { exportModel } from '../../engine/onnx/export/exportModel';
import { ExportError } from '../../engine/onnx/export/hfConfig';
import { checkExportTarget } from '../../engine/onnx/export/exportTarget';
import { findLlama2cFiles, importLlama2c } from '../../engine/onnx/export/llama2c';
import { UsageError } from '../args';
import type { CliCommand } from '../command';

/** The llama2.c files `src` names (a `.bin` file, or a folder without config.json holding them). */
function llama2cSource(src: string): { bin: string; tokenizer: string } | undefined {
  if (!existsSync(src)) throw new ExportError(`${src}: no such file or folder`);
  if (statSync(src).isFile()) {
    if (!src.endsWith('.bin')) throw new ExportError(`${src}: not a llama2.c checkpoint (.bin) nor a model folder`);
    const found = findLlama2cFiles(dirname(src), readdirSync(dirname(src)).filter((f) => f !== basename(src)).concat(basename(src)));
    if (!found?.tokenizer) throw new ExportError(`${src}: no llama2.c tokenizer (tok*.bin or tokenizer.bin) beside it`);
    return { bin: src, tokenizer: found.tokenizer };
  }
  if (existsSync(join(src, 'config.json'))) return undefined;
  return findLlama2cFiles(src, readdirSync(src));
}

export const exportCommand: CliCommand = {
  name: 'export',
  usage: 'export <src> --out <dir> [--no-past] [--force]',
  summary: 'Export a safetensors or llama2.c checkpoint to ONNX',
  flags: {
    out: { kind: 'string', description: 'output folder: new, empty, or an earlier export (which is replaced)' },
    force: { kind: 'boolean', description: 'replace --out even when it holds other files (they are deleted)' },
    'no-past': { kind: 'boolean', description: 'no KV-cache inputs/outputs (a training graph)' },
  },
  async run(args) {
    const [src, ...extra] = args.positionals;
    if (!src) throw new UsageError('missing <src> (a folder with config.json and model.safetensors)');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const out = args.flags['out'];
    if (typeof out !== 'string' || out === '') throw new UsageError('missing --out <dir>');
    const started = Date.now();
    let lastPercent = -1;
    const onProgress = (fraction: number, message: string) => {
      const percent = Math.round(fraction * 100);
      if (percent === lastPercent) return;
      lastPercent = percent;
      process.stderr.write(`[${String(percent).padStart(3)}%] ${message}\n`);
    };
    const force = args.flags['force'] === true;
    const llama2c = llama2cSource(src);
    if (llama2c) {
      if (args.flags['no-past']) throw new UsageError('--no-past applies to safetensors folders only');
      checkExportTarget([llama2c.bin, llama2c.tokenizer], out, { force });
      importLlama2c(llama2c.bin, llama2c.tokenizer, out, { onProgress });
    } else {
      await exportModel(src, out, { withPast: !args.flags['no-past'], onProgress, force });
    }
    process.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  },
};
