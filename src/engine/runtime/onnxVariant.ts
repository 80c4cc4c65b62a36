// Which ONNX file of a model folder to run. transformers.js names variants by suffix:
// onnx/model.onnx (fp32), model_fp16.onnx, model_quantized.onnx (q8), model_int8, model_uint8,
// model_q4, model_q4f16, model_bnb4; older exports call the decoder decoder_model_merged*.onnx.
import { RuntimeError } from './errors';

/** Variant name → file suffix (transformers.js `dtype` names). */
export const VARIANT_SUFFIXES: Record<string, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  quantized: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** When no variant is asked for: full precision first, then the usual published order. */
const DEFAULT_ORDER = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'];
const BASE_NAMES = ['model', 'decoder_model_merged'];

export interface ChosenOnnx {
  /** Path relative to the model folder, e.g. 'onnx/model_q4.onnx'. */
  file: string;
  variant: string;
}

/**
 * Picks the ONNX file among `files` (paths relative to the model folder). `variant` is a name
 * from VARIANT_SUFFIXES or a raw suffix such as '_q4'. Throws naming `where` when none fits.
 */
export function chooseOnnxFile(files: readonly string[], variant: string | undefined, where: string): ChosenOnnx {
  const available = new Set(files.map((f) => f.replace(/\\/g, '/')));
  const wanted = variant === undefined ? DEFAULT_ORDER : [variant];
  for (const name of wanted) {
    const suffix = VARIANT_SUFFIXES[name] ?? (name.startsWith('_') ? name : undefined);
    if (suffix === undefined) {
      throw new RuntimeError('E_BAD_INPUT', `unknown ONNX variant '${name}' (expected one of ${Object.keys(VARIANT_SUFFIXES).join(', ')} or a suffix like _q4)`);
    }
    for (const base of BASE_NAMES) {
      for (const dir of ['onnx/', '']) {
        const file = `${dir}${base}${suffix}.onnx`;
        if (available.has(file)) return { file, variant: name };
      }
    }
  }
  const onnxFiles = [...available].filter((f) => f.endsWith('.onnx'));
  if (variant !== undefined && onnxFiles.length > 0) {
    throw new RuntimeError('E_BAD_MODEL', `${where}: no ONNX file for variant '${variant}' (found ${onnxFiles.join(', ')})`);
  }
  throw new RuntimeError('E_BAD_MODEL', `${where}: no ONNX file (expected onnx/model.onnx or a variant such as onnx/model_q4.onnx)`);
}
