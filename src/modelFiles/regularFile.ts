// Reading files that a workspace, a model folder or a dataset supplies: only regular files, and
// only up to a size limit. A FIFO named `x.prompt` or `tokenizer.json` would block a plain
// readFileSync forever, and a link to /dev/zero would grow until the process aborts.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export class FileReadError extends Error {
  constructor(
    readonly file: string,
    /** 'not-regular', 'too-large', or the errno code (ENOENT, EACCES, …). */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'FileReadError';
  }
}

const MB = 1024 * 1024;

/** Limits per kind of file, generous for real files and far below what would hurt a process. */
export const FILE_LIMITS = {
  promptFile: 16 * MB,
  partial: 4 * MB,
  json: 64 * MB,
  tokenizer: 256 * MB,
  dataset: 1024 * MB,
  /** Node's own limit for one Buffer; safetensors shards larger than this cannot be read whole. */
  weights: 2 ** 31 - 1,
} as const;

function describe(bytes: number): string {
  return bytes >= MB ? `${(bytes / MB).toFixed(0)} MB` : `${bytes} bytes`;
}

/**
 * The bytes of a regular file of at most `maxBytes`; anything else throws a FileReadError whose
 * message starts with the file. Opening with O_NONBLOCK makes a FIFO open return at once, so it
 * can be refused instead of waited on.
 */
export function readRegularFileBytes(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FileReadError(file, code, `${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code})`}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileReadError(file, 'not-regular', `${file}: not a regular file (a ${kindOf(stat)}); Promptsmith reads only regular files`);
    if (stat.size > maxBytes) throw new FileReadError(file, 'too-large', `${file}: ${describe(stat.size)}, more than the ${describe(maxBytes)} Promptsmith reads from such a file`);
    const buffer = Buffer.allocUnsafe(stat.size);
    let filled = 0;
    while (filled < stat.size) {
      const n = readSync(fd, buffer, filled, stat.size - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return filled === stat.size ? buffer : buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

export function readRegularFile(file: string, maxBytes: number): string {
  return readRegularFileBytes(file, maxBytes).toString('utf8');
}

function kindOf(stat: import('node:fs').Stats): string {
  if (stat.isDirectory()) return 'folder';
  if (stat.isFIFO()) return 'named pipe';
  if (stat.isCharacterDevice()) return 'character device';
  if (stat.isBlockDevice()) return 'block device';
  if (stat.isSocket()) return 'socket';
  return 'special file';
}
