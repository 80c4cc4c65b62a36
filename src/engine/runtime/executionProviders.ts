// Which ONNX Runtime execution provider to use for a device setting, and how to fall back.
// auto: the platform's GPU providers first (cuda then webgpu on linux-x64, dml on win32,
// coreml on darwin), then cpu. An explicit device that cannot start also falls back to cpu,
// with the reason recorded so the user sees why.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, cudaProviderFilesPresent, type OrtSession, type SessionTuning } from './ort';
import { RuntimeError } from './errors';

export const DEVICES = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];
export type Provider = Exclude<Device, 'auto'>;

export interface ProviderFallback {
  provider: Provider;
  reason: string;
}

export interface SessionOnProvider {
  session: OrtSession;
  /** The provider actually running the session. */
  provider: Provider;
  /** Providers tried before it, with why each could not be used. */
  fallbacks: ProviderFallback[];
}

export function isDevice(value: string): value is Device {
  return (DEVICES as readonly string[]).includes(value);
}

export function parseDevice(value: string, where: string): Device {
  if (!isDevice(value)) throw new RuntimeError('E_BAD_INPUT', `${where}: unknown device '${value}' (expected one of ${DEVICES.join(', ')})`);
  return value;
}

/** The providers to try, in order, always ending with cpu. */
export function providerCandidates(device: Device, platform: string = process.platform, arch: string = process.arch): Provider[] {
  if (device === 'cpu') return ['cpu'];
  if (device !== 'auto') return [device, 'cpu'];
  if (platform === 'linux' && arch === 'x64') return ['cuda', 'webgpu', 'cpu'];
  if (platform === 'win32') return ['dml', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'cpu'];
  return ['cpu'];
}

/** A one-line, actionable reason a provider could not start. */
export function explainProviderFailure(provider: Provider, err: unknown): string {
  const raw = (err instanceof Error ? err.message : String(err)).trim().split('\n')[0]!;
  if (provider === 'cuda') {
    return (
      'the CUDA provider files are not installed (onnxruntime-node ships without them); to add them, reinstall it with ' +
      "CUDA 12 and cuDNN 9 present: 'ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node' in the extension folder" +
      ` [${raw.slice(0, 160)}]`
    );
  }
  if (provider === 'webgpu') return `no WebGPU adapter (needs a Vulkan/Metal/D3D12 driver and loader) [${raw.slice(-160)}]`;
  if (provider === 'dml') return `DirectML is only available on Windows [${raw.slice(0, 160)}]`;
  if (provider === 'coreml') return `CoreML is only available on macOS [${raw.slice(0, 160)}]`;
  return raw.slice(0, 240);
}

/**
 * On Linux, ORT's WebGPU (Dawn) needs the Vulkan loader; without it Dawn prints warnings and
 * finds no adapter. Checking the usual library folders first keeps the fallback quiet.
 */
export function vulkanLoaderPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib', '/lib/x86_64-linux-gnu'];
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

/** Session creation, swappable in tests that need a provider to fail in a particular way. */
export type SessionFactory = (source: string | Uint8Array, provider: Provider, tuning?: SessionTuning) => Promise<OrtSession>;

/**
 * Opens `source` on the first provider of `device` that starts. A model error on cpu (corrupt
 * file, unsupported op) is not a provider problem: it is thrown as E_BAD_MODEL naming the file.
 */
export async function openSession(source: string | Uint8Array, device: Device, factory: SessionFactory = createSession, tuning?: SessionTuning): Promise<SessionOnProvider> {
  const fallbacks: ProviderFallback[] = [];
  for (const provider of providerCandidates(device)) {
    try {
      if (provider === 'cuda' && factory === createSession && !cudaProviderFilesPresent()) {
        throw new Error('libonnxruntime_providers_cuda not found beside the onnxruntime-node binding');
      }
      if (provider === 'webgpu' && factory === createSession && process.platform === 'linux' && !vulkanLoaderPresent()) {
        throw new Error('Failed to get a WebGPU adapter: the Vulkan loader libvulkan.so.1 is not installed');
      }
      const session = await factory(source, provider, tuning);
      return { session, provider, fallbacks };
    } catch (err) {
      if (provider === 'cpu') {
        const name = typeof source === 'string' ? source : 'model bytes';
        const message = (err instanceof Error ? err.message : String(err)).trim().split('\n')[0]!;
        throw new RuntimeError('E_BAD_MODEL', `${name}: ONNX Runtime cannot load it (${message.slice(0, 300)})`);
      }
      fallbacks.push({ provider, reason: explainProviderFailure(provider, err) });
    }
  }
  throw new RuntimeError('E_DEVICE', 'no execution provider could start');
}
