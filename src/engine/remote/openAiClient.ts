// HTTP to one OpenAI-compatible endpoint: a bounded number of requests in flight, retries with
// exponential backoff (and the server's Retry-After) on 429/5xx, refused or reset connections and
// timeouts, cancellation that aborts the request on the wire, and counters for requests/s.
import { RemoteError } from './remoteErrors';
import { RequestLimiter } from './requestLimiter';
import { SseDecoder } from './sse';

export interface OpenAiClientOptions {
  /** Base URL including /v1, without a trailing slash. */
  endpoint: string;
  apiKey?: string;
  /** Requests in flight at most (default 4). */
  maxConcurrency?: number;
  /** An attempt with no answer (for streams: no data) for this long is abandoned (default 120 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 4). */
  maxRetries?: number;
  /** First backoff; doubled each retry, with jitter (default 500 ms). */
  retryBaseMs?: number;
  /** Longest wait between attempts, Retry-After included (default 30 s). */
  retryMaxMs?: number;
  /** Told before each retry (for a task's messages). */
  onRetry?(info: { attempt: number; delayMs: number; why: string }): void;
  /** Why the key was not sent, for a 401's message (see remoteTarget.ts). */
  keyNote?: string;
}

export interface ClientStats {
  /** Requests answered successfully. */
  requests: number;
  /** Attempts that were retried. */
  retries: number;
  /** Requests that failed for good. */
  failures: number;
  /** Most requests ever in flight at once. */
  maxInFlight: number;
  /** Wall time with at least one request in flight. */
  busySeconds: number;
  /** requests / busySeconds. */
  requestsPerSecond: number;
}

/** Why one attempt failed, and whether another may succeed. */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The endpoint is unreachable or overloaded (E_ENDPOINT_DOWN once retries run out). */
    readonly down: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const DOWN_STATUS = new Set([429, 502, 503, 504]);

export class OpenAiClient {
  readonly endpoint: string;
  private readonly limiter: RequestLimiter;
  private readonly options: Required<Omit<OpenAiClientOptions, 'apiKey' | 'onRetry' | 'keyNote'>> & Pick<OpenAiClientOptions, 'apiKey' | 'onRetry' | 'keyNote'>;
  private counts = { requests: 0, retries: 0, failures: 0, maxInFlight: 0, busyMs: 0 };
  private busySince = 0;

  constructor(options: OpenAiClientOptions) {
    this.endpoint = options.endpoint;
    this.options = { maxConcurrency: 4, timeoutMs: 120_000, maxRetries: 4, retryBaseMs: 500, retryMaxMs: 30_000, ...options };
    this.limiter = new RequestLimiter(this.options.maxConcurrency);
  }

  get maxConcurrency(): number {
    return this.limiter.limit;
  }

  stats(): ClientStats {
    const busyMs = this.counts.busyMs + (this.limiter.inFlight > 0 ? performance.now() - this.busySince : 0);
    const { requests, retries, failures, maxInFlight } = this.counts;
    return { requests, retries, failures, maxInFlight, busySeconds: busyMs / 1000, requestsPerSecond: busyMs > 0 ? (requests * 1000) / busyMs : 0 };
  }

  /** GET a JSON document (e.g. /models). */
  getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    return this.request('GET', path, undefined, signal, async (response) => parseJson(await response.text(), this.endpoint, path));
  }

  /** POST a JSON body; the answer's JSON. */
  postJson(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    return this.request('POST', path, body, signal, async (response) => parseJson(await response.text(), this.endpoint, path));
  }

  /**
   * POST a streaming request; `onData` gets each event's JSON until `[DONE]`. Only an attempt that
   * has delivered nothing is retried (what was streamed cannot be taken back).
   */
  postStream(path: string, body: unknown, signal: AbortSignal | undefined, onData: (data: unknown) => void): Promise<void> {
    return this.request('POST', path, body, signal, async (response, touch) => {
      if (!response.body) throw new AttemptFailure('the answer has no body', true, true);
      const decoder = new SseDecoder();
      const text = new TextDecoder();
      let delivered = false;
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          touch();
          for (const data of decoder.push(text.decode(chunk, { stream: true }))) {
            if (data === '[DONE]') return;
            delivered = true;
            onData(parseJson(data, this.endpoint, path));
          }
        }
        for (const data of decoder.flush()) if (data !== '[DONE]') onData(parseJson(data, this.endpoint, path));
      } catch (err) {
        if (err instanceof RemoteError || !delivered) throw err;
        // Part of the answer was streamed: report it as down without retrying.
        throw new AttemptFailure(`the stream broke after it began (${describeNetworkError(err)})`, false, true);
      }
    });
  }

  private async request<T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined, read: (response: Response, touch: () => void) => Promise<T>): Promise<T> {
    const url = `${this.endpoint}${path}`;
    return this.limiter.run(async () => {
      this.enter();
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            const value = await this.attempt(method, url, body, signal, read);
            this.counts.requests++;
            return value;
          } catch (err) {
            if (signal?.aborted) throw new RemoteError('E_CANCELLED', `request to ${url} cancelled`, this.endpoint);
            if (!(err instanceof AttemptFailure)) {
              this.counts.failures++;
              throw err;
            }
            if (!err.retryable || attempt >= this.options.maxRetries) {
              this.counts.failures++;
              throw this.finalError(err, url, attempt + 1);
            }
            const backoff = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** attempt * (0.75 + Math.random() * 0.5));
            const delayMs = Math.min(this.options.retryMaxMs, err.retryAfterMs ?? backoff);
            this.counts.retries++;
            this.options.onRetry?.({ attempt: attempt + 1, delayMs, why: err.message });
            await sleep(delayMs, signal).catch(() => {
              throw new RemoteError('E_CANCELLED', `request to ${url} cancelled`, this.endpoint);
            });
          }
        }
      } finally {
        this.leave();
      }
    }, signal).catch((err: unknown) => {
      // Cancelled while waiting for a place: the same error as a cancel on the wire.
      if (signal?.aborted && !(err instanceof RemoteError)) throw new RemoteError('E_CANCELLED', `request to ${url} cancelled`, this.endpoint);
      throw err;
    });
  }

  /** One HTTP exchange, with its own timeout (reset by `touch` while a stream is flowing). */
  private async attempt<T>(method: string, url: string, body: unknown, signal: AbortSignal | undefined, read: (response: Response, touch: () => void) => Promise<T>): Promise<T> {
    const timeout = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => timeout.abort(), this.options.timeoutMs);
    };
    touch();
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    const seconds = `${Math.round(this.options.timeoutMs / 100) / 10} s`;
    try {
      const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
      let response: Response;
      try {
        response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: combined });
      } catch (err) {
        if (timeout.signal.aborted && !signal?.aborted) throw new AttemptFailure(`no answer within ${seconds}`, true, true);
        throw new AttemptFailure(describeNetworkError(err), true, true);
      }
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        const retryable = RETRY_STATUS.has(response.status);
        throw new AttemptFailure(`HTTP ${response.status}${serverMessage(text)}`, retryable, DOWN_STATUS.has(response.status), response.status, retryAfter(response.headers.get('retry-after')));
      }
      try {
        return await read(response, touch);
      } catch (err) {
        if (err instanceof AttemptFailure || err instanceof RemoteError) throw err;
        if (timeout.signal.aborted && !signal?.aborted) throw new AttemptFailure(`the answer stopped for ${seconds}`, true, true);
        throw new AttemptFailure(`the answer broke off (${describeNetworkError(err)})`, true, true);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private finalError(err: AttemptFailure, url: string, attempts: number): RemoteError {
    const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
    if (err.down) return new RemoteError('E_ENDPOINT_DOWN', `the endpoint ${this.endpoint} is not answering: ${err.message}${tries}`, this.endpoint, err.status);
    const key = err.status === 401 || err.status === 403 ? `; ${this.options.keyNote ?? 'check the API key (promptsmith.remote.apiKeyEnv names the environment variable that holds it)'}` : '';
    return new RemoteError('E_REMOTE_HTTP', `${url}: ${err.message}${tries}${key}`, this.endpoint, err.status);
  }

  private enter(): void {
    if (this.limiter.inFlight === 1 || this.busySince === 0) this.busySince = performance.now();
    this.counts.maxInFlight = Math.max(this.counts.maxInFlight, this.limiter.inFlight);
  }

  private leave(): void {
    // Called while the place is still held: the last one out closes the busy interval.
    if (this.limiter.inFlight === 1) {
      this.counts.busyMs += performance.now() - this.busySince;
      this.busySince = 0;
    }
  }
}

function parseJson(text: string, endpoint: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RemoteError('E_REMOTE_RESPONSE', `${endpoint}${path}: the answer is not JSON (${JSON.stringify(text.slice(0, 80))})`, endpoint);
  }
}

/** The `error.message` of an OpenAI-style error body, or the start of the text. */
function serverMessage(text: string): string {
  if (!text) return '';
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message ?? body.detail);
    if (typeof message === 'string') return `: ${message.slice(0, 300)}`;
  } catch {
    // not JSON: show the text itself
  }
  return `: ${text.slice(0, 200).trim()}`;
}

/** Retry-After in seconds or as an HTTP date, in milliseconds. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** fetch's "fetch failed" says nothing; the cause has the system error (ECONNREFUSED …). */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (cause && typeof cause.code === 'string') return `${cause.code}${typeof cause.message === 'string' && !cause.message.includes(cause.code) ? ` ${cause.message}` : ''}`;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
