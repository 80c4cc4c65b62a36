// Running a model's chat template (Jinja, from tokenizer_config.json) with bounded work. The
// template is code that came with the model: `{% for i in range(10**10) %}` or a string doubled in
// a loop would otherwise hang or exhaust the process that renders it (the language server on
// hover, the engine on every prompt). The interpreter here counts every evaluation step, every
// character and list item it produces and its nesting, and stops with a clear error at a bound.
import { Environment, Interpreter, type Template } from '@huggingface/jinja';

export interface ChatTemplateLimits {
  /** Largest template source read (real ones are a few KB). */
  maxTemplateChars: number;
  /** Evaluation steps (each expression and statement is one). */
  maxSteps: number;
  /** Characters of the strings produced, all together. */
  maxChars: number;
  /** Items of the lists produced (by `range` too), all together. */
  maxItems: number;
  /** Nesting of evaluations (macros calling themselves, deep expressions). */
  maxDepth: number;
}

/**
 * Real templates take a few dozen steps per message, so these allow thousands of messages; a
 * runaway template stops within a few seconds at most (each step of @huggingface/jinja's
 * interpreter costs 5–20 µs; the times are printed by test/unit/hostile/chatTemplate.test.ts).
 */
export const CHAT_TEMPLATE_LIMITS: ChatTemplateLimits = {
  maxTemplateChars: 1024 * 1024,
  maxSteps: 50_000,
  maxChars: 16 * 1024 * 1024,
  maxItems: 1_000_000,
  maxDepth: 400,
};

export class ChatTemplateLimitError extends Error {}

type Statement = Parameters<Interpreter['evaluate']>[0];
type Value = ReturnType<Interpreter['evaluate']>;

class BoundedInterpreter extends Interpreter {
  private steps = 0;
  private chars = 0;
  private items = 0;
  private depth = 0;

  constructor(
    env: Environment,
    private readonly limits: ChatTemplateLimits,
  ) {
    super(env);
  }

  override evaluate(statement: Statement, environment: Environment): Value {
    if (++this.steps > this.limits.maxSteps) throw new ChatTemplateLimitError(`the template ran more than ${this.limits.maxSteps.toLocaleString('en')} steps; Promptsmith stopped it`);
    if (++this.depth > this.limits.maxDepth) throw new ChatTemplateLimitError(`the template nests or recurses more than ${this.limits.maxDepth} levels deep; Promptsmith stopped it`);
    try {
      const result = super.evaluate(statement, environment);
      const inner = (result as { value?: unknown } | undefined)?.value;
      if (typeof inner === 'string') this.produceChars(inner.length);
      else if (Array.isArray(inner)) this.produceItems(inner.length);
      return result;
    } finally {
      this.depth--;
    }
  }

  private produceChars(count: number): void {
    this.chars += count;
    if (this.chars > this.limits.maxChars) throw new ChatTemplateLimitError(`the template produced more than ${this.limits.maxChars.toLocaleString('en')} characters; Promptsmith stopped it`);
  }

  produceItems(count: number): void {
    this.items += count;
    if (this.items > this.limits.maxItems) throw new ChatTemplateLimitError(`the template made lists of more than ${this.limits.maxItems.toLocaleString('en')} items; Promptsmith stopped it`);
  }
}

/** The template's globals (as @huggingface/jinja sets them), with a `range` that respects the bounds. */
function globals(env: Environment, interpreter: () => BoundedInterpreter, limits: ChatTemplateLimits): void {
  for (const [name, value] of [
    ['false', false],
    ['true', true],
    ['none', null],
    ['False', false],
    ['True', true],
    ['None', null],
  ] as const) {
    env.set(name, value);
  }
  env.set('raise_exception', (message: unknown) => {
    throw new Error(String(message));
  });
  env.set('range', (start: number, stop?: number, step = 1) => {
    const [from, to] = stop === undefined ? [0, start] : [start, stop];
    if (step === 0) throw new Error('range() step must not be zero');
    const count = Math.max(0, Math.ceil((to - from) / step));
    if (!Number.isFinite(count) || count > limits.maxItems) throw new ChatTemplateLimitError(`range() of ${count} items is more than Promptsmith lets a chat template make`);
    interpreter().produceItems(count);
    return Array.from({ length: count }, (_, i) => from + i * step);
  });
  env.set('strftime_now', (format: string) => strftime(new Date(), String(format)));
}

/** The strftime directives chat templates use (`%d %b %Y` and friends). */
function strftime(date: Date, format: string): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const month = (style: 'long' | 'short') => new Intl.DateTimeFormat('en', { month: style }).format(date);
  const day = (style: 'long' | 'short') => new Intl.DateTimeFormat('en', { weekday: style }).format(date);
  return format.replace(/%[YmdbBHMSaAyjp%]/g, (token) => {
    switch (token) {
      case '%Y':
        return String(date.getFullYear());
      case '%y':
        return pad(date.getFullYear() % 100);
      case '%m':
        return pad(date.getMonth() + 1);
      case '%d':
        return pad(date.getDate());
      case '%b':
        return month('short');
      case '%B':
        return month('long');
      case '%a':
        return day('short');
      case '%A':
        return day('long');
      case '%H':
        return pad(date.getHours());
      case '%M':
        return pad(date.getMinutes());
      case '%S':
        return pad(date.getSeconds());
      case '%p':
        return date.getHours() < 12 ? 'AM' : 'PM';
      case '%j':
        return String(Math.floor((date.getTime() - new Date(date.getFullYear(), 0, 1).getTime()) / 86_400_000) + 1).padStart(3, '0');
      default:
        return '%';
    }
  });
}

/** Renders a parsed template with `variables`, within `limits`. Throws ChatTemplateLimitError at a bound. */
export function renderChatTemplate(template: Template, variables: Record<string, unknown>, limits: ChatTemplateLimits = CHAT_TEMPLATE_LIMITS): string {
  const env = new Environment();
  let interpreter: BoundedInterpreter | undefined;
  globals(env, () => interpreter!, limits);
  for (const [name, value] of Object.entries(variables)) env.set(name, value);
  interpreter = new BoundedInterpreter(env, limits);
  const result = interpreter.run(template.parsed);
  return String((result as { value?: unknown }).value ?? '');
}
