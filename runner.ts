/**
 * The Runner: Python 3.11's `asyncio.Runner` and `asyncio.run`. A Runner
 * owns one event loop and one context, runs top-level coroutines on them,
 * and on close cancels what is left, waits for it, finalizes async
 * generators and closes the loop. It is `Disposable` and `AsyncDisposable`,
 * so `using` / `await using` play the part of Python's `with`.
 *
 * While `run` is active, the first Ctrl-C (SIGINT) cancels the main task and
 * `run` rejects with `KeyboardInterrupt`; a second one interrupts at once.
 * Runtimes without signals (browsers, Deno Deploy) skip this silently.
 *
 * @example
 * ```ts
 * import { Runner, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * await using runner = new Runner();
 * const a = await runner.run((function* () {
 *   yield* sleep(1);
 *   return "first";
 * })());
 * const b = await runner.run((function* () { return "second"; })());
 * assert.deepEqual([a, b], ["first", "second"]);
 * ```
 *
 * @module
 */

import { type Context, copyContext } from "./_context.ts";
import type { Coroutine } from "./_coro.ts";
import { CancelledError, KeyboardInterrupt } from "./_errors.ts";
import { installSigint } from "./_host.ts";
import { runningState } from "./_events.ts";
import { EventLoop } from "./loop.ts";
import { gather, type Task } from "./task.ts";
import {
  badType,
  checkContextOption,
  checkCoroutine,
  checkOptions,
  optBoolean,
  optFunction,
} from "./_validate.ts";

/** Options of {@linkcode Runner}. */
export interface RunnerOptions {
  /** Debug mode for the loop; the loop's default when not given. */
  debug?: boolean;
  /** Makes the loop; `new EventLoop()` by default. */
  loopFactory?: () => EventLoop;
}

/** Options of {@linkcode Runner.run}. */
export interface RunOptions {
  /** The context for the main task; the runner's own context by default. */
  context?: Context;
}

const CREATED = 0;
const INITIALIZED = 1;
const CLOSED = 2;

/**
 * Runs coroutines on one loop and one context, across several `run` calls.
 *
 * The loop is made lazily (by `run`, `getLoop` or a `using` block's first
 * use). The runner's context is copied from the current context at that
 * moment and reused by every `run`, so context variables set by one run are
 * seen by the next.
 *
 * @example Keep a context across runs
 * ```ts
 * import { ContextVar, Runner } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const counter = new ContextVar("counter", { default: 0 });
 * function* bump() {
 *   counter.set(counter.get() + 1);
 *   return counter.get();
 * }
 * using runner = new Runner();
 * assert.equal(await runner.run(bump()), 1);
 * assert.equal(await runner.run(bump()), 2);
 * ```
 */
export class Runner implements Disposable, AsyncDisposable {
  #state = CREATED;
  #debug: boolean | undefined;
  #loopFactory: (() => EventLoop) | undefined;
  #loop: EventLoop | null = null;
  #context: Context | null = null;
  #interruptCount = 0;

  /**
   * Makes a runner; nothing is created until it is used.
   *
   * @param options `debug` and `loopFactory`.
   */
  constructor(options?: RunnerOptions) {
    checkRunnerOptions("Runner", options);
    const factory = options?.loopFactory ?? undefined;
    this.#debug = options?.debug ?? undefined;
    this.#loopFactory = factory;
  }

  /**
   * Runs `coro` as the main task on the runner's loop until it is done.
   *
   * @param coro The coroutine (call the `function*` first).
   * @param options `context`: the context of the main task (by default the
   * runner's own context, kept across runs).
   * @returns The coroutine's return value. A thenable return value is
   * adopted by promise rules (you get what it settles with).
   * @throws {TypeError} `a coroutine was expected, got …`.
   * @throws {Error} `Runner.run() cannot be called from a running event
   * loop`, `Runner is closed`, `This event loop is already running`.
   * @throws {KeyboardInterrupt} When Ctrl-C cancelled the main task.
   *
   * @example
   * ```ts
   * import { Runner } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * await using runner = new Runner();
   * await assert.rejects(runner.run(123 as never), /a coroutine was expected/);
   * ```
   */
  async run<T>(coro: Coroutine<T>, options?: RunOptions): Promise<T> {
    checkCoroutine("Runner.run", "coro", coro);
    if (options != null) checkContextOption("Runner.run", options);
    if (runningState.loop !== null) {
      throw new Error(
        "Runner.run() cannot be called from a running event loop",
      );
    }
    this.#lazyInit();
    const loop = this.#loop!;
    if (loop.isRunning()) {
      throw new Error("This event loop is already running");
    }
    const context = options?.context ?? this.#context!;
    const task = loop.createTask(coro, { context });
    const removeSignal = installSigint(() => this.#onSigint(task));
    this.#interruptCount = 0;
    try {
      return await loop.runUntilComplete(task);
    } catch (e) {
      if (
        e instanceof CancelledError && this.#interruptCount > 0 &&
        typeof task.uncancel === "function" && task.uncancel() === 0
      ) {
        throw new KeyboardInterrupt("", { cause: e });
      }
      throw e;
    } finally {
      removeSignal();
    }
  }

  /**
   * Closes the runner: cancels the tasks still pending and waits for them
   * (failures other than cancellation are reported to the loop's exception
   * handler as `unhandled exception during run() shutdown`), finalizes
   * async generators and closes the loop. As asyncio's, it runs the loop
   * for the async generators and for the default executor's shutdown even
   * when there is nothing to do (two iterations each), so callbacks the
   * last tasks scheduled still run. Closing a runner that was never used,
   * or twice, does nothing.
   *
   * @returns A promise that settles when done.
   *
   * @example
   * ```ts
   * import { Runner } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const runner = new Runner();
   * const loop = runner.getLoop();
   * await runner.close();
   * assert.ok(loop.isClosed());
   * assert.throws(() => runner.getLoop(), /Runner is closed/);
   * ```
   */
  async close(): Promise<void> {
    if (this.#state !== INITIALIZED) return;
    const loop = this.#loop!;
    try {
      await cancelAllTasks(loop);
      await loop.shutdownAsyncgens();
      // asyncio's close() then runs the loop until shutdown_default_executor()
      // is done. There is no executor here, but the run is kept, so the
      // callbacks the last tasks scheduled get the same loop iterations.
      await loop.runUntilComplete(noDefaultExecutor());
    } finally {
      this.#finishClose(loop);
    }
  }

  /**
   * The runner's loop, made now if needed.
   *
   * @returns The loop.
   * @throws {Error} `Runner is closed`.
   *
   * @example
   * ```ts
   * import { EventLoop, Runner } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const mine = new EventLoop();
   * using runner = new Runner({ loopFactory: () => mine });
   * assert.equal(runner.getLoop(), mine);
   * ```
   */
  getLoop(): EventLoop {
    this.#lazyInit();
    return this.#loop!;
  }

  /**
   * `await using` support: the same as {@linkcode Runner.close}.
   *
   * @returns A promise that settles when closed.
   *
   * @example
   * ```ts
   * import { Runner } from "@x/runner";
   *
   * {
   *   await using runner = new Runner();
   *   await runner.run((function* () {})());
   * } // closed here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * `using` support: closes synchronously, as far as the loop's own queue
   * allows. Pending tasks are cancelled and the loop runs, without waiting
   * for host timers or I/O, until nothing more is ready; a task still
   * pending after that is reported to the exception handler as abandoned
   * (never dropped silently). Prefer `await using` when tasks may need
   * timers or I/O to finish their cleanup.
   *
   * @example
   * ```ts
   * import { Runner } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * let loop;
   * {
   *   using runner = new Runner();
   *   loop = runner.getLoop();
   *   await runner.run((function* () {})());
   * }
   * assert.ok(loop.isClosed());
   * ```
   */
  [Symbol.dispose](): void {
    if (this.#state !== INITIALIZED) return;
    const loop = this.#loop!;
    try {
      const tasks = [...loop._tasks];
      for (const t of tasks) t.cancel();
      // Run even with no task left, as close() does: callbacks the last
      // tasks scheduled still run (a loop closed by the user has none).
      if (tasks.length > 0 || !loop.isClosed()) loop._runSync(10_000);
      reportShutdownFailures(loop, tasks);
      for (const t of tasks) {
        if (!t.done()) {
          loop.callExceptionHandler({
            message:
              "task abandoned by Runner[Symbol.dispose]: still pending after cancellation (use `await using` to let it finish)",
            task: t,
          });
        }
      }
      // Async generators: closed as far as the loop's own queue allows.
      const pendingGens = [...loop._asyncgens];
      const closing = loop._takeAsyncgens();
      if (closing !== null) {
        const t = loop.createTask(closing);
        loop._runSync(10_000);
        if (!t.done()) {
          for (const gen of pendingGens) {
            loop.callExceptionHandler({
              message:
                "async generator not finalized by Runner[Symbol.dispose] (use `await using`)",
              asyncgen: gen,
            });
          }
        }
      }
    } finally {
      this.#finishClose(loop);
    }
  }

  #finishClose(loop: EventLoop): void {
    try {
      loop.close();
    } finally {
      this.#loop = null;
      this.#state = CLOSED;
    }
  }

  #lazyInit(): void {
    if (this.#state === CLOSED) throw new Error("Runner is closed");
    if (this.#state === INITIALIZED) return;
    const loop = this.#loopFactory === undefined
      ? new EventLoop()
      : this.#loopFactory();
    if (!(loop instanceof EventLoop)) {
      throw badType(
        "Runner",
        "the result of options.loopFactory()",
        "an EventLoop",
        loop,
      );
    }
    if (this.#debug !== undefined) loop.setDebug(this.#debug);
    this.#loop = loop;
    this.#context = copyContext();
    this.#state = INITIALIZED;
  }

  #onSigint(mainTask: Task<unknown>): void {
    this.#interruptCount++;
    const loop = this.#loop;
    if (this.#interruptCount === 1 && !mainTask.done()) {
      mainTask.cancel();
      return;
    }
    // The second Ctrl-C: interrupt at once, wherever the main task is.
    if (loop !== null && loop.isRunning()) {
      loop._finishRun(new KeyboardInterrupt());
    }
  }
}

/** asyncio's `shutdown_default_executor()` when there is no executor. */
function* noDefaultExecutor(): Coroutine<void> {}

/** Cancels every pending task of `loop` and waits for them (asyncio's). */
async function cancelAllTasks(loop: EventLoop): Promise<void> {
  const toCancel = [...loop._tasks];
  if (toCancel.length === 0) return;
  for (const t of toCancel) t.cancel();
  await loop.runUntilComplete(gather(toCancel, { returnExceptions: true }));
  reportShutdownFailures(loop, toCancel);
}

function reportShutdownFailures(loop: EventLoop, tasks: Task<unknown>[]): void {
  for (const t of tasks) {
    if (!t.done() || t.cancelled()) continue;
    const exc = t.exception();
    // `throw undefined` fails the task too: test the state, not the value.
    if (t._failed) {
      loop.callExceptionHandler({
        message: "unhandled exception during run() shutdown",
        exception: exc,
        task: t,
      });
    }
  }
}

/** Options of {@linkcode run}. */
export interface RunFunctionOptions {
  /** Debug mode for the loop. */
  debug?: boolean;
  /** Makes the loop; `new EventLoop()` by default. */
  loopFactory?: () => EventLoop;
}

/**
 * Runs `coro` on a fresh Runner (new loop, new context copy) and closes it:
 * `asyncio.run`.
 *
 * @param coro The main coroutine.
 * @param options `debug`, `loopFactory`.
 * @returns The coroutine's return value.
 * @throws {Error} `run() cannot be called from a running event loop`.
 *
 * @example
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const answer = await run((function* () {
 *   yield* sleep(1);
 *   return 42;
 * })());
 * assert.equal(answer, 42);
 * ```
 */
export async function run<T>(
  coro: Coroutine<T>,
  options?: RunFunctionOptions,
): Promise<T> {
  checkRunnerOptions("run", options);
  if (runningState.loop !== null) {
    throw new Error("run() cannot be called from a running event loop");
  }
  const runner = new Runner(options);
  let result: T;
  try {
    runner.getLoop(); // as asyncio.run: the loop is made (and closed) first
    checkCoroutine("run", "coro", coro);
    result = await runner.run(coro);
  } catch (e) {
    try {
      await runner.close();
    } catch (closeError) {
      // The same error again (a KeyboardInterrupt re-raised while the
      // leftovers unwind) is one error, as in Python's `with` block.
      if (closeError !== e) throw new SuppressedError(closeError, e);
    }
    throw e;
  }
  await runner.close();
  return result;
}

function checkRunnerOptions(fn: string, options: unknown): void {
  checkOptions(fn, options);
  const o = options as RunnerOptions | undefined;
  optBoolean(fn, "options.debug", o?.debug);
  optFunction(fn, "options.loopFactory", o?.loopFactory);
}
