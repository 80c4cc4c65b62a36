// A run records the digest of the .prompt file it read, so a reader can tell whether the file
// is still that one (and offsets the run recorded in it still hold).
import { createHash } from 'node:crypto';

export function promptDigest(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Whether `content` is byte for byte the file a run recorded as `promptSha256` (false when it recorded none). */
export function isPromptTheRunRead(promptSha256: string | undefined, content: string): boolean {
  return promptSha256 !== undefined && promptDigest(content) === promptSha256;
}
