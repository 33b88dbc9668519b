/**
 * Host interop: cancellation that reaches native work. A Task's
 * cancellation is a `CancelledError` thrown into its coroutine; host APIs
 * (`fetch`, streams, timers) stop through an `AbortSignal` instead. This
 * module joins the two:
 *
 * - {@linkcode abortSignal}: the current task's signal, aborted when the task
 *   is cancelled;
 * - {@linkcode fromAbortable}: a Future over `fn(signal)`, whose cancellation
 *   aborts that signal;
 * - {@linkcode delay}: a native, abortable sleep for host code (the
 *   `@std/async` shape).
 *
 * `fromPromise` (in `task.ts`) covers promises that cannot be aborted.
 *
 * @example
 * ```ts
 * import { CancelledError, createTask, run, sleep } from "@x/runner";
 * import { delay, fromAbortable } from "@x/runner/interop";
 * import assert from "node:assert/strict";
 *
 * let hostSaw: unknown;
 * await run((function* () {
 *   const t = createTask((function* () {
 *     // Host work that stops when the task is cancelled.
 *     return yield* fromAbortable((signal) =>
 *       delay(10_000, { signal }).catch((e) => {
 *         hostSaw = e;
 *         throw e;
 *       })
 *     );
 *   })());
 *   yield* sleep(1);
 *   t.cancel("no longer needed");
 *   yield* sleep(1);
 * })());
 * assert.ok(hostSaw instanceof CancelledError);
 * ```
 *
 * @module
 */

import { CancelledError } from "./_errors.ts";
import { runningState } from "./_events.ts";
import { copyContext } from "./_context.ts";
import { hostContextStore } from "./_host_context.ts";
import { Future } from "./future.ts";
import { PENDING } from "./_future_bits.ts";
import type { EventLoop } from "./loop.ts";
import type { Task } from "./task.ts";
import {
  checkFunction,
  checkOptions,
  checkTime,
  optLoop,
  optSignal,
} from "./_validate.ts";

/**
 * The part of an `AbortSignal` this package relies on: the type
 * {@linkcode HostAbortSignal} falls back to for a consumer whose `lib` and
 * `types` declare no `AbortSignal` (say `lib: ["es2022"]`, `types: []`).
 * The host's real signal has all of it.
 *
 * @example
 * ```ts
 * import type { AbortSignalLike } from "@x/runner/interop";
 * import assert from "node:assert/strict";
 *
 * const s: AbortSignalLike = new AbortController().signal;
 * assert.equal(s.aborted, false);
 * ```
 */
export interface AbortSignalLike {
  /** Whether the signal was aborted. */
  readonly aborted: boolean;
  /** Why it was aborted (`undefined` until then). */
  readonly reason: unknown;
  /** Throws `reason` when aborted. */
  throwIfAborted(): void;
  /**
   * Listens for the `abort` event.
   *
   * @param type `"abort"`.
   * @param listener Called on abort.
   * @param options `once`.
   */
  addEventListener(
    type: "abort",
    listener: () => void,
    options?: { once?: boolean },
  ): void;
  /**
   * Stops listening.
   *
   * @param type `"abort"`.
   * @param listener The listener given to `addEventListener`.
   */
  removeEventListener(type: "abort", listener: () => void): void;
}

/**
 * The `AbortSignal` type of the public signatures: the host's own where the
 * consumer's types declare one (the DOM lib, `@types/node`, Deno, Bun), so
 * `fetch(url, { signal: abortSignal() })` type-checks; otherwise the
 * structural {@linkcode AbortSignalLike}, so the package's types need no
 * DOM lib.
 *
 * @example
 * ```ts
 * import type { HostAbortSignal } from "@x/runner/interop";
 *
 * const s: HostAbortSignal = new AbortController().signal;
 * const native: AbortSignal = s; // the host's type, where there is one
 * ```
 */
export type HostAbortSignal = typeof globalThis extends {
  AbortSignal: { prototype: infer S };
} ? S
  : AbortSignalLike;

// One controller per task, made on first use. A task's controller is
// replaced once its cancellation was delivered or taken back (see below).
const controllers = new WeakMap<Task<unknown>, AbortController>();

/**
 * The current task's `AbortSignal`: aborted, with a `CancelledError`
 * (carrying the cancel message) as its `reason`, as soon as the task is
 * cancelled. Pass it to host APIs so they stop with the task:
 * `yield* fromPromise(fetch(url, { signal: abortSignal() }))`.
 *
 * One signal stands for one cancellation. A cancellation can end without
 * ending the task: the task may catch the `CancelledError` and go on, and a
 * {@linkcode timeout} takes its cancellation back. So once the task runs
 * again after an abort, the next call returns a fresh signal; cleanup code
 * in a `catch`/`finally` can still use host APIs. Calls in the same step as
 * the cancellation (a task that cancelled itself) return the aborted one.
 *
 * @returns The signal.
 * @throws {Error} `abortSignal() must be called from inside a task`.
 *
 * @example
 * ```ts
 * import { CancelledError, createTask, run, sleep } from "@x/runner";
 * import { abortSignal } from "@x/runner/interop";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   let signal: AbortSignal | undefined;
 *   const t = createTask((function* () {
 *     signal = abortSignal();
 *     yield* sleep(10_000);
 *   })());
 *   yield* sleep(1);
 *   assert.equal(signal!.aborted, false);
 *   t.cancel("stop");
 *   assert.equal(signal!.aborted, true); // at once, not when t finishes
 *   assert.ok(signal!.reason instanceof CancelledError);
 *   assert.equal(signal!.reason.message, "stop");
 * })());
 * ```
 */
export function abortSignal(): HostAbortSignal {
  const task = runningState.loop?._currentTask ?? null;
  if (task === null) {
    throw new Error("abortSignal() must be called from inside a task");
  }
  let ctl = controllers.get(task);
  // `_mustCancel` set: the cancellation has not reached the coroutine yet,
  // so the aborted signal is still the current one.
  if (ctl !== undefined && (!ctl.signal.aborted || task._mustCancel)) {
    return ctl.signal;
  }
  if (ctl === undefined) hookCancel(task);
  ctl = new AbortController();
  controllers.set(task, ctl);
  if (task._mustCancel) {
    ctl.abort(new CancelledError(task._cancelMessage));
  }
  return ctl.signal;
}

/** Makes `task.cancel()` abort the task's current controller, at once. */
function hookCancel(task: Task<unknown>): void {
  const cancel = task.cancel;
  // An own property shadows the method for this one task only; `cancel`
  // is also what the loop and other tasks call, so every path is covered.
  task.cancel = function (this: Task<unknown>, msg?: string): boolean {
    const r = cancel.call(this, msg);
    if (r) {
      const ctl = controllers.get(task);
      if (ctl !== undefined && !ctl.signal.aborted) {
        ctl.abort(new CancelledError(msg));
      }
    }
    return r;
  };
}

/** Options of {@linkcode fromAbortable}. */
export interface FromAbortableOptions {
  /** The loop of the new future (the running loop by default). */
  loop?: EventLoop;
}

/** A future whose cancel() also aborts the host work behind it. */
class AbortableFuture<T> extends Future<T> {
  _controller: AbortController;
  constructor(loop: EventLoop | undefined, controller: AbortController) {
    super({ loop });
    this._controller = controller;
  }
  override cancel(msg?: string): boolean {
    const r = super.cancel(msg);
    if (r) this._controller.abort(new CancelledError(msg));
    return r;
  }
}

/**
 * Starts host work that takes an `AbortSignal` and returns a Future of its
 * result; cancelling the future (or the task awaiting it) aborts the signal,
 * so the work stops: `yield* fromAbortable((signal) => fetch(url, { signal }))`.
 * The signal's `reason` is a `CancelledError` with the cancel message. `fn`
 * runs at once; if it throws, the future fails with that error.
 *
 * Context through native `await`: where the host has `AsyncLocalStorage`
 * (see {@linkcode nativeContextAvailable}), `fn` runs in a copy of the
 * caller's context, so `ContextVar.get()` inside it, before and after its
 * `await`s, sees the task's values; its writes stay private to that call,
 * as in a child task. (In browsers only the part before the first `await`
 * sees them: the continuation runs outside any task.)
 *
 * @typeParam T The result type.
 * @param fn Starts the work, given the signal.
 * @param options `loop`: the loop of the future.
 * @returns The future.
 * @throws {TypeError} When `fn` is not a function.
 * @throws {Error} `no running event loop` when no loop is given or running.
 *
 * @example
 * ```ts
 * import { run, TimeoutError } from "@x/runner";
 * import { waitFor } from "@x/runner/combinators";
 * import { delay, fromAbortable } from "@x/runner/interop";
 * import assert from "node:assert/strict";
 *
 * let aborted = false;
 * await run((function* () {
 *   const work = fromAbortable((signal) => {
 *     signal.addEventListener("abort", () => aborted = true);
 *     return delay(10_000, { signal });
 *   });
 *   try {
 *     yield* waitFor(work, 5);
 *   } catch (e) {
 *     assert.ok(e instanceof TimeoutError);
 *   }
 * })());
 * assert.equal(aborted, true);
 * ```
 */
export function fromAbortable<T>(
  fn: (signal: HostAbortSignal) => PromiseLike<T>,
  options?: FromAbortableOptions,
): Future<T> {
  checkFunction("fromAbortable", "fn", fn);
  checkOptions("fromAbortable", options);
  optLoop("fromAbortable", "options.loop", options?.loop);
  const controller = new AbortController();
  const fut = new AbortableFuture<T>(
    options?.loop ?? runningLoopOrThrow(),
    controller,
  );
  const loop = fut._loop;
  const ctx = copyContext();
  let p: PromiseLike<T>;
  try {
    const store = hostContextStore();
    if (store === null) {
      p = fn(controller.signal);
    } else {
      // Context through native await: `fn` runs in a copy of the caller's
      // context, entered for its synchronous part and held by the host's
      // AsyncLocalStorage for its continuations.
      const own = copyContext();
      p = own.run(() => store.run(own, () => fn(controller.signal)));
    }
  } catch (e) {
    fut._reject(e);
    return fut;
  }
  loop._hostPending++; // ended in loop._callFromHost (see VirtualTimeLoop)
  Promise.resolve(p).then(
    (v) => loop._callFromHost(settle, [fut, false, v], ctx),
    (e) => loop._callFromHost(settle, [fut, true, e], ctx),
  );
  return fut;
}

/**
 * Whether context variables reach native async functions started by
 * {@linkcode fromAbortable} across their `await`s: `true` where the host
 * has `AsyncLocalStorage` (Node >= 20.16, Deno, Bun; looked up through
 * `process.getBuiltinModule`), `false` in browsers, which have no way to
 * carry a value into the continuation of a native `await`.
 *
 * @returns Whether it is available here.
 *
 * @example
 * ```ts
 * import { nativeContextAvailable } from "@x/runner/interop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof nativeContextAvailable(), "boolean");
 * ```
 */
export function nativeContextAvailable(): boolean {
  return hostContextStore() !== null;
}

function runningLoopOrThrow(): EventLoop {
  const loop = runningState.loop;
  if (loop === null) throw new Error("no running event loop");
  return loop;
}

/** Settles the future unless it was cancelled meanwhile. */
function settle(args: [Future<unknown>, boolean, unknown]): void {
  const [fut, failed, value] = args;
  if (fut._state !== PENDING) return;
  if (failed) fut._reject(value);
  else fut._resolve(value);
}

/** The longest delay a host's `setTimeout` honours (a signed 32-bit int). */
const MAX_HOST_DELAY = 2 ** 31 - 1;

/** Options of {@linkcode delay}. */
export interface DelayOptions {
  /** Aborting it rejects the promise with the signal's `reason`. */
  signal?: HostAbortSignal;
}

/**
 * A native promise that resolves after `ms` milliseconds, for host code
 * outside the loop (the `@std/async` `delay` shape). When `signal` is
 * aborted the timer is cleared and the promise rejects with the signal's
 * `reason`. Inside a task, prefer `yield* sleep(ms)`, which runs on the
 * loop's own timers.
 *
 * @param ms The delay in milliseconds.
 * @param options `signal`.
 * @returns A promise that settles after the delay or on abort.
 * @throws {TypeError} When `ms` is not a number.
 *
 * @example
 * ```ts
 * import { delay } from "@x/runner/interop";
 * import assert from "node:assert/strict";
 *
 * await delay(1);
 * const ctl = new AbortController();
 * const p = delay(10_000, { signal: ctl.signal });
 * ctl.abort(new Error("stop"));
 * await assert.rejects(p, /stop/);
 * ```
 */
export function delay(ms: number, options?: DelayOptions): Promise<void> {
  checkTime("delay", "ms", ms);
  checkOptions("delay", options);
  optSignal("delay", "options.signal", options?.signal);
  const signal = options?.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  // Called from a loop's callback or task: that loop counts it as host work
  // (a VirtualTimeLoop waits for it before jumping its clock).
  const loop = runningState.loop;
  if (loop !== null) loop._hostPending++;
  return new Promise<void>((resolve, reject) => {
    let id: ReturnType<typeof setTimeout>;
    const onAbort = (): void => {
      clearTimeout(id);
      loop?._hostWorkDone();
      reject(signal!.reason);
    };
    const done = (): void => {
      signal?.removeEventListener("abort", onAbort);
      loop?._hostWorkDone();
      resolve();
    };
    // Hosts fire a longer setTimeout at once: wait in chunks, so that
    // `delay(Infinity)` never resolves (only its signal can end it).
    const wait = (left: number): void => {
      id = left > MAX_HOST_DELAY
        ? setTimeout(wait, MAX_HOST_DELAY, left - MAX_HOST_DELAY)
        : setTimeout(done, Math.max(0, left));
    };
    wait(ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
