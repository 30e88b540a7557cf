// The event recipes of docs/events.md, run as they are written: each ```ts block is transpiled and evaluated
// with the real jwt-gate, and with a test pino (lines written as pino writes them: the object's members,
// JSON-encoded) and the real @opentelemetry/api given a test meter and a context manager. readme.test.ts
// type-checks them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { Script } from 'node:vm';
import {
  ROOT_CONTEXT,
  context,
  createNoopMeter,
  metrics,
  trace,
  type Attributes,
  type Context,
  type ContextManager,
  type Counter,
  type Meter,
  type Span,
  type SpanContext,
  type TimeInput,
} from '@opentelemetry/api';
import * as otel from '@opentelemetry/api';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventError } from '../src/event-error.js';
import * as jwtGate from '../src/index.js';
import type { AuthEvent, AuthOptions } from '../src/index.js';
import { SECRET } from './helpers.js';

// README.md and every page of docs/: a recipe is found wherever it is, and must be there once.
const docs = new URL('../docs/', import.meta.url);
const pages = [
  readFileSync(new URL('../README.md', import.meta.url), 'utf8'),
  ...readdirSync(docs)
    .filter((name) => name.endsWith('.md'))
    .map((name) => readFileSync(new URL(name, docs), 'utf8')),
];

/** The one ```ts block of the pages that imports `from`, evaluated; returns the values of `names` in it. */
function runRecipe(
  from: string,
  modules: Record<string, unknown>,
  names: readonly string[],
): Record<string, unknown> {
  const blocks = pages.flatMap((page) =>
    [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? ''),
  );
  const found = blocks.filter((code) => code.includes(`from '${from}'`));
  expect(found).toHaveLength(1);
  const { outputText } = ts.transpileModule(found[0] ?? '', {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  });
  const require = (name: string): unknown => {
    if (!Object.hasOwn(modules, name)) throw new Error(`the recipe imports ${name}`);
    return modules[name];
  };
  // A function of the module's own names, as Node's CommonJS loader wraps a module; it returns `names`.
  const script = new Script(
    `(function (require, exports) {\n${outputText}\nreturn { ${names.join(', ')} };\n})`,
  );
  const run = script.runInThisContext() as (req: typeof require, exports: object) => Record<string, unknown>;
  return run(require, {});
}

/** createAuth as the recipe calls it, keeping the options it was given. */
function recordingJwtGate(): { module: typeof jwtGate; options: () => AuthOptions<unknown, never, never> } {
  let given: AuthOptions<unknown, never, never> | undefined;
  const module = {
    ...jwtGate,
    createAuth: (options: AuthOptions<unknown, never, never>) => {
      given = options;
      return jwtGate.createAuth(options);
    },
  } as typeof jwtGate;
  return { module, options: () => given as AuthOptions<unknown, never, never> };
}

const outage = (type: 'keys-unavailable' | 'store-unavailable' | 'near-cache-unavailable'): AuthEvent => ({
  type,
  error: eventError(
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
  ),
});

// The recipes read it as they are built, when the describe blocks are collected.
process.env.JWT_SECRET = SECRET;
afterAll(() => {
  delete process.env.JWT_SECRET;
});

describe('the pino recipe', () => {
  const lines: Record<string, unknown>[] = [];
  const logAt =
    (level: string) =>
    (objOrMsg: unknown, msg?: string): void => {
      // pino writes the object's own members into the line, JSON-encoded: an Error's message is not one.
      lines.push(
        JSON.parse(JSON.stringify({ level, ...(objOrMsg as object), msg })) as Record<string, unknown>,
      );
    };
  const pino = (): object => ({
    info: logAt('info'),
    warn: logAt('warn'),
    error: logAt('error'),
    debug: logAt('debug'),
  });
  const { module, options } = recordingJwtGate();
  const { auth } = runRecipe('pino', { pino: { __esModule: true, default: pino }, 'jwt-gate': module }, [
    'auth',
  ]) as {
    auth: jwtGate.Auth;
  };

  it('logs every outage with its cause’s code and message, never "error":{}', () => {
    lines.length = 0;
    for (const type of ['keys-unavailable', 'store-unavailable', 'near-cache-unavailable'] as const)
      options().onEvent?.(outage(type));
    expect(lines).toEqual(
      ['keys-unavailable', 'store-unavailable', 'near-cache-unavailable'].map((type) => ({
        level: 'error',
        type,
        code: 'ECONNREFUSED',
        reason: 'connect ECONNREFUSED 127.0.0.1:6379',
        msg: 'jwt-gate dependency down',
      })),
    );
  });

  it('logs a refusal with the request it came with, its id read by requestId, and no token', async () => {
    lines.length = 0;
    const req = {
      method: 'GET',
      url: '/orders/7?access_token=a.b.c',
      headers: { authorization: 'Bearer a.b.c', 'x-request-id': 'req-1' },
      get: (name: string) => (name === 'x-request-id' ? 'req-1' : undefined),
    };
    await expect(auth.authenticate(req)).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
    expect(lines).toEqual([
      {
        level: 'info',
        type: 'refused',
        code: 'ERR_TOKEN_MALFORMED',
        status: 401,
        method: 'GET',
        path: '/orders/7',
        requestId: 'req-1',
        msg: 'token refused',
      },
    ]);
  });
});

// What @opentelemetry/context-async-hooks does, in a few lines: the active context follows async calls.
class TestContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

class TestSpan implements Span {
  readonly events: { name: string; attributes: unknown }[] = [];
  spanContext(): SpanContext {
    return { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(name: string, attributes?: Attributes | TimeInput): this {
    this.events.push({ name, attributes });
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {}
  isRecording(): boolean {
    return true;
  }
  recordException(): void {}
}

describe('the OpenTelemetry recipe', () => {
  const added: { counter: string; value: number; attributes: unknown }[] = [];
  const meter: Meter = {
    ...createNoopMeter(),
    createCounter: (name: string): Counter => ({
      add: (value, attributes) => void added.push({ counter: name, value, attributes }),
    }),
  };
  let recipe: { auth: jwtGate.Auth; onEvent: (event: AuthEvent) => void };

  beforeAll(() => {
    expect(metrics.setGlobalMeterProvider({ getMeter: () => meter })).toBe(true);
    expect(context.setGlobalContextManager(new TestContextManager())).toBe(true);
    recipe = runRecipe('@opentelemetry/api', { '@opentelemetry/api': otel, 'jwt-gate': jwtGate }, [
      'auth',
      'onEvent',
    ]) as typeof recipe;
  });
  afterAll(() => {
    metrics.disable();
    context.disable();
  });

  it('a refusal: a counter by code, and an event on the request’s span', async () => {
    added.length = 0;
    const span = new TestSpan();
    const req = { method: 'GET', url: '/orders/7', headers: { authorization: 'Bearer a.b.c' } };
    await context.with(trace.setSpan(context.active(), span), async () => {
      await expect(recipe.auth.authenticate(req, { route: '/orders/:id' })).rejects.toMatchObject({
        code: 'ERR_TOKEN_MALFORMED',
      });
    });
    expect(added).toEqual([
      {
        counter: 'auth.refusals',
        value: 1,
        attributes: { 'auth.code': 'ERR_TOKEN_MALFORMED', 'auth.claim': '', 'http.route': '/orders/:id' },
      },
    ]);
    expect(span.events).toEqual([
      { name: 'auth.refused', attributes: { 'auth.code': 'ERR_TOKEN_MALFORMED', 'auth.claim': '' } },
    ]);
  });

  it('an outage: a counter by cause, and its code and message on the span', () => {
    added.length = 0;
    const span = new TestSpan();
    context.with(trace.setSpan(context.active(), span), () => recipe.onEvent(outage('store-unavailable')));
    expect(added).toEqual([
      {
        counter: 'auth.outages',
        value: 1,
        attributes: { 'auth.outage': 'store-unavailable', 'error.type': 'ECONNREFUSED' },
      },
    ]);
    expect(span.events).toEqual([
      {
        name: 'auth.store-unavailable',
        attributes: { 'error.type': 'ECONNREFUSED', 'error.message': 'connect ECONNREFUSED 127.0.0.1:6379' },
      },
    ]);
  });

  it('a sign-in: the sessions counter; with no active span, nothing else', async () => {
    added.length = 0;
    await recipe.auth.startSession({ sub: 'user-1' });
    expect(added).toEqual([
      { counter: 'auth.sessions', value: 1, attributes: { 'auth.event': 'signed-in' } },
    ]);
  });
});
