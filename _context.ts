// Context variables, as Python's `contextvars` (the public entry is
// context.ts): ContextVar, Context with copy-on-write storage, Token, and
// the two functions the task step needs that are not public: a task's
// context object made on first need, and a snapshot for a new task.

import {
  contextState,
  enterContext,
  exitContext,
  runningTask,
} from "./_context_state.ts";
import type { TaskCore } from "./_events.ts";
import { describe } from "./_describe.ts";
import { hostContext } from "./_host_context.ts";
import {
  checkContextOption,
  checkFunction,
  checkInstance,
  checkOptions,
  registered,
} from "./_validate.ts";

/** A map for the next Context to share, set only inside `copy()`. */
let adoptMap: Map<ContextVar<unknown>, unknown> | null = null;

const TOKEN_KEY: unique symbol = Symbol("token key");

/**
 * Raised by {@linkcode ContextVar.get} when the variable has no value in the
 * current context and no default: Python's `LookupError`.
 *
 * @example
 * ```ts
 * import { ContextVar, LookupError } from "@x/runner/context";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new ContextVar("v").get(), LookupError);
 * ```
 */
export class LookupError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was looked up.
   */
  constructor(message: string) {
    super(message);
    this.name = "LookupError";
  }
}

/**
 * An immutable-looking mapping from {@linkcode ContextVar}s to values. One
 * context is current at a time; {@linkcode Context.run} makes another one
 * current while a function runs, and writes made by that function stay in it.
 *
 * @example
 * ```ts
 * import { Context, ContextVar } from "@x/runner/context";
 * import assert from "node:assert/strict";
 *
 * const v = new ContextVar<number>("v");
 * const ctx = new Context();
 * ctx.run(() => v.set(1));
 * assert.equal(ctx.get(v), 1);
 * assert.equal(ctx.size, 1);
 * assert.equal(v.get(0), 0);
 * ```
 */
export class Context implements Iterable<[ContextVar<unknown>, unknown]> {
  /** @internal */
  _map: Map<ContextVar<unknown>, unknown>;
  /** @internal Another context may hold the same map: copy before writing. */
  _shared: boolean;
  /** @internal */
  _entered: boolean;

  /** Makes an empty context. Python's `Context()` takes no arguments either. */
  constructor() {
    if (arguments.length > 0) {
      throw new TypeError("Context() does not accept any arguments");
    }
    const adopted = adoptMap;
    this._map = adopted ?? new Map();
    this._shared = adopted !== null;
    this._entered = false;
  }

  /**
   * Runs `fn(...args)` with this context current and returns its result.
   * Writes made by `fn` persist in this context, even when `fn` throws.
   *
   * @param fn The function to run.
   * @param args Its arguments.
   * @returns What `fn` returned.
   * @throws {Error} `cannot enter context: … is already entered` when this
   * context is current already (further up the stack or in a running task).
   *
   * @example
   * ```ts
   * import { ContextVar, copyContext } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const v = new ContextVar("v", { default: 0 });
   * assert.equal(copyContext().run((x: number) => { v.set(x); return v.get(); }, 5), 5);
   * assert.equal(v.get(), 0);
   * ```
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    checkFunction("Context.run", "fn", fn);
    const prev = enterContext(this);
    try {
      return fn(...args);
    } finally {
      exitContext(this, prev);
    }
  }

  /**
   * A shallow copy: same variables, same values, O(1).
   *
   * @returns The new context.
   *
   * @example
   * ```ts
   * import { Context, ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const v = new ContextVar<string>("v");
   * const a = new Context();
   * a.run(() => v.set("a"));
   * const b = a.copy();
   * b.run(() => v.set("b"));
   * assert.equal(a.get(v), "a");
   * assert.equal(b.get(v), "b");
   * ```
   */
  copy(): Context {
    // Hand the map to the constructor: no empty Map is made and thrown away,
    // and copies keep the same shape.
    this._shared = true;
    return adopt(this._map);
  }

  /**
   * The value of `v` in this context, or `undefined` when it has none (the
   * variable's default is not consulted, as with Python's `ctx.get(var)`).
   *
   * @param v The variable.
   * @returns Its value here.
   *
   * @example
   * ```ts
   * import { Context, ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Context().get(new ContextVar("v", { default: 1 })), undefined);
   * ```
   */
  get<T>(v: ContextVar<T>): T | undefined {
    checkInstance("Context.get", "v", v, ContextVar, "a ContextVar");
    return this._map.get(v) as T | undefined;
  }

  /**
   * Whether `v` has a value in this context (Python's `var in ctx`).
   *
   * @param v The variable.
   * @returns `true` when set here.
   *
   * @example
   * ```ts
   * import { ContextVar, copyContext } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const v = new ContextVar("v");
   * const ctx = copyContext();
   * ctx.run(() => v.set(1));
   * assert.equal(ctx.has(v), true);
   * ```
   */
  has(v: ContextVar<unknown>): boolean {
    checkInstance("Context.has", "v", v, ContextVar, "a ContextVar");
    return this._map.has(v);
  }

  /** How many variables have a value in this context. */
  get size(): number {
    return this._map.size;
  }

  /**
   * The variables set in this context.
   *
   * @returns An iterator over them.
   *
   * @example
   * ```ts
   * import { ContextVar, copyContext } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const v = new ContextVar("v");
   * const ctx = copyContext();
   * ctx.run(() => v.set(1));
   * assert.ok([...ctx.keys()].includes(v));
   * ```
   */
  keys(): IterableIterator<ContextVar<unknown>> {
    return this._map.keys();
  }

  /**
   * The values set in this context.
   *
   * @returns An iterator over them.
   *
   * @example
   * ```ts
   * import { Context, ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const ctx = new Context();
   * ctx.run(() => new ContextVar("v").set(7));
   * assert.deepEqual([...ctx.values()], [7]);
   * ```
   */
  values(): IterableIterator<unknown> {
    return this._map.values();
  }

  /**
   * The `[variable, value]` pairs of this context (Python's `items()`).
   *
   * @returns An iterator over them.
   *
   * @example
   * ```ts
   * import { Context, ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const v = new ContextVar("v");
   * const ctx = new Context();
   * ctx.run(() => v.set(7));
   * assert.deepEqual([...ctx.entries()], [[v, 7]]);
   * ```
   */
  entries(): IterableIterator<[ContextVar<unknown>, unknown]> {
    return this._map.entries();
  }

  /**
   * Same as {@linkcode Context.entries}, so a context spreads into a `Map`.
   *
   * @returns An iterator over `[variable, value]` pairs.
   *
   * @example
   * ```ts
   * import { Context } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Map(new Context()).size, 0);
   * ```
   */
  [Symbol.iterator](): IterableIterator<[ContextVar<unknown>, unknown]> {
    return this._map.entries();
  }

  /** @internal Writes `value` (or removes the variable for MISSING). */
  _write(v: ContextVar<unknown>, value: unknown): void {
    if (this._shared) {
      this._map = new Map(this._map);
      this._shared = false;
    }
    if (value === Token.MISSING) this._map.delete(v);
    else this._map.set(v, value);
  }

  /**
   * A short description, used in error messages.
   *
   * @returns `<Context size=N>`.
   *
   * @example
   * ```ts
   * import { Context } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Context()), "<Context size=0>");
   * ```
   */
  toString(): string {
    return `<Context size=${this._map.size}>`;
  }
}

registered.Context = Context;
contextState.root = new Context();
contextState.internal = new Context();

/**
 * @internal What a task holds until its context object is needed: the map
 * of the context it was created in, which nobody writes any more (its owner
 * copies before writing, as after `copy()`).
 */
export type ContextMap = Map<ContextVar<unknown>, unknown>;

/** A new context over `map`, which it copies before its first write. */
function adopt(map: ContextMap): Context {
  adoptMap = map;
  const c = new Context();
  adoptMap = null;
  return c;
}

/** @internal A task's context object, made on first need. */
export function taskContextOf(task: TaskCore): Context {
  const x = task._context as Context | ContextMap;
  return x instanceof Context ? x : (task._context = adopt(x));
}

/** The current context (a running task's is made if need be). */
function current(): Context {
  const c = contextState.current;
  if (c !== null) return c as Context;
  const t = runningTask();
  return t === null ? outsideTasks() : taskContextOf(t);
}

/**
 * The context outside any task and explicit context: the one a native
 * function started by `fromAbortable` runs in (see _host_context.ts), else
 * the root. `hostContext.store` stays `null` until that is used.
 */
function outsideTasks(): Context {
  const als = hostContext.store;
  if (als !== null) {
    const s = als.getStore();
    if (s !== undefined) return s as Context;
  }
  return contextState.root as Context;
}

/** The current context's map, for reads (makes nothing). */
function currentMap(): ContextMap {
  const c = contextState.current;
  if (c !== null) return (c as Context)._map;
  const t = runningTask();
  if (t === null) return outsideTasks()._map;
  const x = t._context as Context | ContextMap;
  return x instanceof Context ? x._map : x;
}

/**
 * @internal A snapshot of the current context for a new task: a map that
 * its owner will copy before writing again. No object is made.
 */
export function contextSnapshot(): ContextMap {
  const c = contextState.current ?? runningTask()?._context ??
    outsideTasks();
  if (!(c instanceof Context)) return c as ContextMap;
  c._shared = true;
  return c._map;
}

/**
 * A shallow copy of the current context (Python's `copy_context()`).
 *
 * @returns The copy.
 *
 * @example
 * ```ts
 * import { ContextVar, copyContext } from "@x/runner/context";
 * import assert from "node:assert/strict";
 *
 * const v = new ContextVar("v", { default: "outer" });
 * const ctx = copyContext();
 * ctx.run(() => v.set("inner"));
 * assert.equal(v.get(), "outer");
 * ```
 */
export function copyContext(): Context {
  return adopt(contextSnapshot());
}

/**
 * @internal The context a callback given `options` runs in: `options.context`
 * (checked; errors name `fn`), else a copy of the current context.
 */
export function callbackContext(
  fn: string,
  options: { context?: Context } | undefined,
): Context {
  if (options == null) return copyContext();
  checkContextOption(fn, options);
  return options.context ?? copyContext();
}

/**
 * The live current context, not a copy (asynkit's experimental
 * `get_current_context`; here always available). Sharp edges, as asynkit
 * warns: the object stays live, so whoever holds it sees (and, by handing it
 * to `createTask` or `coroAwait`, shares) the running task's later writes;
 * and it cannot be entered while it is current (`ctx.run` throws `cannot
 * enter context`). Use {@linkcode copyContext} when a snapshot will do.
 *
 * @returns The context the caller runs in: the entered one, else the
 * running task's, else the root context.
 *
 * @example
 * ```ts
 * import { ContextVar, getCurrentContext } from "@x/runner/context";
 * import { run } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const v = new ContextVar<number>("v", { default: 0 });
 * await run((function* () {
 *   const live = getCurrentContext();
 *   v.set(1);
 *   assert.equal(live.get(v), 1); // a copy would still say undefined
 *   assert.equal(getCurrentContext(), live);
 * })());
 * ```
 */
export function getCurrentContext(): Context {
  return current();
}

/** Options of {@linkcode ContextVar}. */
export interface ContextVarOptions<T> {
  /** Returned by `get()` when the current context has no value. */
  default?: T;
}

/**
 * A variable whose value depends on the current {@linkcode Context}: each
 * task sees the value of its own context.
 *
 * @typeParam T The type of its values.
 *
 * @example
 * ```ts
 * import { ContextVar } from "@x/runner/context";
 * import assert from "node:assert/strict";
 *
 * const requestId = new ContextVar<number>("requestId", { default: 0 });
 * {
 *   using _ = requestId.set(42); // reset when the block ends
 *   assert.equal(requestId.get(), 42);
 * }
 * assert.equal(requestId.get(), 0);
 * ```
 */
export class ContextVar<T> {
  /** The variable's name, for messages. */
  readonly name: string;
  #hasDefault: boolean;
  #default: T | undefined;

  /**
   * Makes a variable.
   *
   * @param name Its name (a string).
   * @param options `default`: the value `get()` returns when none is set.
   */
  constructor(name: string, options?: ContextVarOptions<T>) {
    if (typeof name !== "string") {
      throw new TypeError(
        `ContextVar(): name must be a string (context variable name must be a str), got ${
          describe(name)
        }`,
      );
    }
    checkOptions("ContextVar", options);
    this.name = name;
    this.#hasDefault = options != null && "default" in options;
    this.#default = options?.default;
  }

  /**
   * The value in the current context; else `fallback` when one is given;
   * else the variable's default.
   *
   * @param fallback Returned when the current context has no value.
   * @returns The value.
   * @throws {LookupError} When there is no value, no fallback and no default.
   *
   * @example
   * ```ts
   * import { ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const v = new ContextVar<number>("v");
   * assert.equal(v.get(-1), -1);
   * ```
   */
  get(): T;
  /**
   * The value in the current context, else `fallback`.
   *
   * @param fallback Returned when the current context has no value.
   * @returns The value or the fallback.
   *
   * @example
   * ```ts
   * import { ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ContextVar<number>("v", { default: 1 }).get(2), 2);
   * ```
   */
  get<D>(fallback: D): T | D;
  get<D>(fallback?: D): T | D {
    const map = currentMap();
    if (map.has(this)) return map.get(this) as T;
    if (arguments.length > 0) return fallback as D;
    if (this.#hasDefault) return this.#default as T;
    throw new LookupError(
      `${this}: no value in the current context and no default`,
    );
  }

  /**
   * Sets the value in the current context.
   *
   * @param value The new value.
   * @returns A {@linkcode Token} that restores the previous value, by
   * {@linkcode ContextVar.reset} or at the end of a `using` block.
   *
   * @example
   * ```ts
   * import { ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const v = new ContextVar("v", { default: 1 });
   * const token = v.set(2);
   * v.reset(token);
   * assert.equal(v.get(), 1);
   * ```
   */
  set(value: T): Token<T> {
    const ctx = current();
    const map = ctx._map;
    const old = map.has(this) ? map.get(this) as T : Token.MISSING;
    ctx._write(this as ContextVar<unknown>, value);
    return new Token<T>(TOKEN_KEY, ctx, this, old);
  }

  /**
   * Restores the value the variable had before the `set` that made `token`.
   *
   * @param token What `set` returned.
   * @throws {Error} When the token was used already.
   * @throws {TypeError} When it belongs to another variable or was made in
   * another context.
   *
   * @example
   * ```ts
   * import { ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const v = new ContextVar<string>("v");
   * const t = v.set("x");
   * v.reset(t);
   * assert.equal(v.get("unset"), "unset");
   * assert.throws(() => v.reset(t), /has already been used once/);
   * ```
   */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) {
      throw new TypeError(
        `ContextVar.reset(): token must be a Token made by set(), got ${
          describe(token)
        }`,
      );
    }
    if (token._used) {
      throw new Error(`${token} has already been used once`);
    }
    if (token.var !== this) {
      throw new TypeError(`${token} was created by a different ContextVar`);
    }
    const ctx = current();
    if (token._context !== ctx) {
      throw new TypeError(`${token} was created in a different Context`);
    }
    ctx._write(this as ContextVar<unknown>, token._old);
    token._used = true;
  }

  /**
   * A short description, used in error messages.
   *
   * @returns `<ContextVar name='…'>`, with the default when there is one.
   *
   * @example
   * ```ts
   * import { ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new ContextVar("a", { default: 1 })), "<ContextVar name='a' default=1>");
   * ```
   */
  toString(): string {
    const d = this.#hasDefault ? ` default=${describe(this.#default)}` : "";
    return `<ContextVar name='${this.name}'${d}>`;
  }
}

/**
 * What {@linkcode ContextVar.set} returns: undoes that `set` once, by
 * {@linkcode ContextVar.reset} or `using` (Python 3.14 makes tokens context
 * managers the same way).
 *
 * @typeParam T The variable's value type.
 *
 * @example
 * ```ts
 * import { ContextVar, Token } from "@x/runner/context";
 * import assert from "node:assert/strict";
 *
 * const v = new ContextVar<number>("v");
 * const t = v.set(1);
 * assert.equal(t.var, v);
 * assert.equal(t.oldValue, Token.MISSING);
 * ```
 */
export class Token<T> implements Disposable {
  /** The `oldValue` of a token whose variable had no value before. */
  static readonly MISSING: unique symbol = Symbol("Token.MISSING");
  /** The variable this token resets. */
  readonly var: ContextVar<T>;
  /** @internal */
  _context: Context;
  /** @internal */
  _old: T | typeof Token.MISSING;
  /** @internal */
  _used: boolean;

  /**
   * Tokens come only from {@linkcode ContextVar.set}.
   *
   * @param key A private key; anything else throws.
   * @param context The context the value was set in.
   * @param variable The variable.
   * @param old Its previous value.
   */
  constructor(
    key: symbol,
    context: Context,
    variable: ContextVar<T>,
    old: T | typeof Token.MISSING,
  ) {
    if (key !== TOKEN_KEY) {
      throw new Error("Token(): Tokens can only be created by ContextVars");
    }
    this._context = context;
    this.var = variable;
    this._old = old;
    this._used = false;
  }

  /** The value before the `set`, or {@linkcode Token.MISSING}. */
  get oldValue(): T | typeof Token.MISSING {
    return this._old;
  }

  /**
   * Resets the variable (for `using`); a token used already is left alone.
   *
   * @example
   * ```ts
   * import { ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const v = new ContextVar("v", { default: "a" });
   * {
   *   using _ = v.set("b");
   * }
   * assert.equal(v.get(), "a");
   * ```
   */
  [Symbol.dispose](): void {
    if (!this._used) this.var.reset(this);
  }

  /**
   * A short description, used in error messages.
   *
   * @returns `<Token var=…>` or `<Token used var=…>`.
   *
   * @example
   * ```ts
   * import { ContextVar } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * assert.match(String(new ContextVar("v").set(1)), /^<Token var=/);
   * ```
   */
  toString(): string {
    return `<Token${this._used ? " used" : ""} var=${this.var}>`;
  }
}
