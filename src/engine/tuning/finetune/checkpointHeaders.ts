// The tensor names and shapes of a safetensors checkpoint folder (model.safetensors or the shards
// of its index), read from the file headers only: the memory estimate and the parameter count
// are known before any weight is loaded.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

export function hasSafetensorsCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'model.safetensors')) || existsSync(join(dir, 'model.safetensors.index.json'));
}

export function checkpointTensorShapes(dir: string): Map<string, number[]> {
  const index = join(dir, 'model.safetensors.index.json');
  const files = existsSync(index)
    ? [...new Set(Object.values((JSON.parse(readFileSync(index, 'utf8')).weight_map ?? {}) as Record<string, string>))].map((f) => join(dir, f))
    : [join(dir, 'model.safetensors')];
  const shapes = new Map<string, number[]>();
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      const len = Buffer.alloc(8);
      if (readSync(fd, len, 0, 8, 0) !== 8) throw new Error(`${file}: truncated safetensors file`);
      const header = Buffer.alloc(Number(len.readBigUInt64LE(0)));
      readSync(fd, header, 0, header.length, 8);
      for (const [name, info] of Object.entries(JSON.parse(header.toString('utf8')) as Record<string, { shape?: number[] }>)) {
        if (name !== '__metadata__') shapes.set(name, info.shape ?? []);
      }
    } finally {
      closeSync(fd);
    }
  }
  return shapes;
}

/** Stored parameters: a tied embedding is stored once, so it counts once. */
export function parameterCount(shapes: Map<string, number[]>): number {
  let n = 0;
  for (const s of shapes.values()) n += s.reduce((a, b) => a * b, 1);
  return n;
}
