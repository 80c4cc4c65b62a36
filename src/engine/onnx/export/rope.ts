// RoPE inverse frequencies as Hugging Face computes them, including the `rope_scaling` variants
// that only change these constants (default, linear, llama3).
import { configNumber, ExportError, type HfConfig } from './hfConfig';

/** inv_freq[k] = 1 / theta^(2k / headDim), k < headDim/2, adjusted by config.rope_scaling. */
export function ropeInverseFrequencies(config: HfConfig, headDim: number): Float32Array {
  if (headDim % 2 !== 0) throw new ExportError(`${config.path}: head_dim ${headDim} must be even for RoPE`);
  const theta = configNumber(config, 'rope_theta', 10000);
  const base = Array.from({ length: headDim / 2 }, (_, k) => 1 / theta ** ((2 * k) / headDim));
  const scaling = config.json['rope_scaling'] as Record<string, unknown> | null | undefined;
  if (!scaling) return Float32Array.from(base);
  const type = scaling['rope_type'] ?? scaling['type'];
  const factor = Number(scaling['factor'] ?? 1);
  switch (type) {
    case 'default':
      return Float32Array.from(base);
    case 'linear':
      return Float32Array.from(base, (f) => f / factor);
    case 'llama3': {
      const low = Number(scaling['low_freq_factor'] ?? 1);
      const high = Number(scaling['high_freq_factor'] ?? 4);
      const original = Number(scaling['original_max_position_embeddings'] ?? 8192);
      const lowWavelen = original / low;
      const highWavelen = original / high;
      return Float32Array.from(base, (f) => {
        const wavelen = (2 * Math.PI) / f;
        if (wavelen < highWavelen) return f;
        if (wavelen > lowWavelen) return f / factor;
        const smooth = (original / wavelen - low) / (high - low);
        return (1 - smooth) * (f / factor) + smooth * f;
      });
    }
    default:
      throw new ExportError(`${config.path}: rope_scaling type ${JSON.stringify(type)} is not supported (default, linear, llama3)`);
  }
}
