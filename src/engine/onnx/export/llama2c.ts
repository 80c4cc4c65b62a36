// Imports a llama2.c checkpoint (`model.bin` + tokenizer `.bin`) into a Hugging Face layout folder:
// config.json (LlamaForCausalLM), model.safetensors (HF names, rotate-half q/k order),
// tokenizer.json + tokenizer_config.json, generation_config.json, and onnx/model.onnx made by the
// Llama exporter. Written into a temporary folder beside `outDir` and renamed into place.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { encodeModel } from '../codec';
import { SafetensorsCheckpoint, writeSafetensors } from '../safetensors';
import { ExportError, readHfConfig } from './hfConfig';
import { contentKey, replaceFolder, tempFolderBeside } from './exportTarget';
import { exportLlama } from './llama';
import { llama2cHfConfig, llama2cToHfTensors } from './llama2cCheckpoint';
import { LLAMA2C_SPECIAL_IDS, llama2cTokenizerConfig, llama2cTokenizerJson, parseLlama2cTokenizer } from './llama2cTokenizer';

export interface Llama2cImportOptions {
  /** Default true: also write onnx/model.onnx (with KV cache). */
  onnx?: boolean;
  onProgress?: (fraction: number, message: string) => void;
  /** Default true: replace an existing `outDir`. false: keep it (another process made the same import). */
  replace?: boolean;
}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExportError(`${path}: ${code === 'ENOENT' ? 'missing' : `cannot read (${code ?? String(e)})`} (${what})`);
  }
}

/** Writes the HF files of a llama2.c model into `dir` (which must exist). */
export function writeLlama2cAsHf(binPath: string, tokenizerPath: string, dir: string): void {
  const { config, tensors } = llama2cToHfTensors(readBytes(binPath, 'llama2.c checkpoint'), binPath);
  const pieces = parseLlama2cTokenizer(readBytes(tokenizerPath, 'llama2.c tokenizer'), tokenizerPath, config.vocabSize);
  const json = (name: string, value: unknown) => writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  json('config.json', { ...llama2cHfConfig(config), _promptsmith_source: `imported from llama2.c ${basename(binPath)} + ${basename(tokenizerPath)}` });
  writeSafetensors(
    join(dir, 'model.safetensors'),
    tensors.map((t) => ({ name: t.name, dtype: 'F32', shape: t.dims, data: t.data })),
    { format: 'pt' },
  );
  json('tokenizer.json', llama2cTokenizerJson(pieces));
  json('tokenizer_config.json', llama2cTokenizerConfig(config.seqLen));
  json('special_tokens_map.json', { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' });
  json('generation_config.json', { bos_token_id: LLAMA2C_SPECIAL_IDS.bos, eos_token_id: LLAMA2C_SPECIAL_IDS.eos });
}

/**
 * Imports `binPath` + `tokenizerPath` into `outDir` (replaced if it exists). Every error names the
 * file and what is wrong; nothing is left behind on failure.
 */
export function importLlama2c(binPath: string, tokenizerPath: string, outDir: string, options: Llama2cImportOptions = {}): void {
  const progress = options.onProgress ?? (() => {});
  mkdirSync(dirname(resolve(outDir)), { recursive: true });
  const tmp = tempFolderBeside(outDir);
  mkdirSync(tmp);
  try {
    progress(0.1, `converting ${basename(binPath)}`);
    writeLlama2cAsHf(binPath, tokenizerPath, tmp);
    if (options.onnx ?? true) {
      progress(0.5, 'exporting ONNX');
      const model = exportLlama(readHfConfig(tmp), SafetensorsCheckpoint.open(tmp));
      mkdirSync(join(tmp, 'onnx'));
      writeFileSync(join(tmp, 'onnx', 'model.onnx'), encodeModel(model));
    }
    publish(tmp, outDir, options.replace ?? true);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  progress(1, `imported to ${outDir}`);
}

/** Renames the finished `tmp` folder to `outDir`, replacing it or, if `replace` is false, yielding to it. */
function publish(tmp: string, outDir: string, replace: boolean): void {
  if (existsSync(outDir)) {
    if (!replace) {
      rmSync(tmp, { recursive: true, force: true });
      return;
    }
    replaceFolder(tmp, outDir);
    return;
  }
  try {
    renameSync(tmp, outDir);
  } catch (e) {
    // Lost a race to another process writing the same import: use its folder.
    if (replace || !existsSync(join(outDir, 'onnx'))) throw e;
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The llama2.c checkpoint and tokenizer in a folder (`*.bin`, the tokenizer named tok*.bin/tokenizer.bin), if any. */
export function findLlama2cFiles(dir: string, names: readonly string[]): { bin: string; tokenizer: string } | undefined {
  const bins = names.filter((n) => n.endsWith('.bin'));
  const tokenizer = bins.find((n) => /^(tok.*|tokenizer)\.bin$/.test(n));
  const model = bins.find((n) => n !== tokenizer);
  return tokenizer && model ? { bin: join(dir, model), tokenizer: join(dir, tokenizer) } : undefined;
}

/**
 * For a folder holding a llama2.c checkpoint and tokenizer (and no config.json): its imported HF
 * folder (with ONNX) under `cacheDir/imported/`, made on first use and keyed by the resolved path
 * and the two files' content. Returns undefined for any other folder.
 */
export function ensureLlama2cImport(dir: string, cacheDir: string, onProgress?: Llama2cImportOptions['onProgress']): string | undefined {
  if (!existsSync(dir) || existsSync(join(dir, 'config.json'))) return undefined;
  const files = findLlama2cFiles(dir, readdirSync(dir));
  if (!files) return undefined;
  const key = contentKey(dir, [basename(files.bin), basename(files.tokenizer)], resolve(dir));
  const target = join(cacheDir, 'imported', `${basename(resolve(dir))}-${key}`);
  if (existsSync(join(target, 'onnx', 'model.onnx'))) return target;
  importLlama2c(files.bin, files.tokenizer, target, { onProgress, replace: false });
  return target;
}
