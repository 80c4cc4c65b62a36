// `promptsmith export <src> --out <dir>`: a safetensors checkpoint folder → a transformers.js-style
// ONNX folder (onnx/model.onnx + config and tokenizer files). Progress goes to stderr.
import { UsageError } from '../args';
import type { CliCommand } from '../command';
import { exportModel } from '../../engine/onnx/export/exportModel';

export const exportCommand: CliCommand = {
  name: 'export',
  usage: 'export <src> --out <dir> [--no-past]',
  summary: 'Export a safetensors checkpoint folder to ONNX',
  flags: {
    out: { kind: 'string', description: 'output folder (replaced if it exists)' },
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
    await exportModel(src, out, {
      withPast: !args.flags['no-past'],
      onProgress(fraction, message) {
        const percent = Math.round(fraction * 100);
        if (percent === lastPercent) return;
        lastPercent = percent;
        process.stderr.write(`[${String(percent).padStart(3)}%] ${message}\n`);
      },
    });
    process.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  },
};
