// The seam between the loop and what it runs, as asyncio's events.py is:
// what futures, tasks, handles and wait queues need of a loop (`LoopCore`,
// which EventLoop implements), what the modules below task.ts need of a
// task (`TaskCore`, which Task implements), an entry of the ready queue
// (`ReadyItem`), and the running-loop slot. It imports nothing at run time:
// the core depends on it, and it on none of the core.

import type { EventLoop } from "./loop.ts";

/** @ignore The fields of a Context that entering and leaving touch. */
export interface ContextSlot {
  _entered: boolean;
}

/** @ignore How the loop runs a ready entry: see `ReadyItem._runEntry`. */
// deno-lint-ignore no-explicit-any
export type RunEntry = (entry: any) => void;

/** A callback as the loop stores it: one argument, so no closure is needed. */
// deno-lint-ignore no-explicit-any
export type HandleCallback = (arg: any) => void;

/**
 * @ignore An entry of the ready queue: a Handle, a pending task (its
 * next step) or a done future (its lone internal done callback).
 */
export interface ReadyItem {
  /**
   * Runs the entry (a cancelled handle does nothing). The loop calls it as
   * a plain function, `run(entry)`, never as `entry._run()`: V8 keeps the
   * receiver of every frame an Error captures, so a method call would let
   * an error made in a task's step keep that task (or the handle and its
   * argument) alive for as long as the error lives, and the error of a
   * failed task is kept for its "never retrieved" report.
   */
  readonly _runEntry: RunEntry;
  /** The task whose step this entry is, or `null`. */
  _stepOf(): TaskCore | null;
  /** A Handle that stands for the entry from now on (itself for a handle). */
  _toHandle(): ReadyItem;
}

/**
 * What a failed future's "never retrieved" report needs. It must not
 * reference the future (the FinalizationRegistry would then keep it alive),
 * so the description is made from these parts when reported. Its loop keeps
 * it in `_unretrieved` until it is retrieved or reported.
 */
export class NeverRetrieved {
  loop: LoopCore;
  kind: string;
  /** A task's name (or the `N` of `Task-N`); `null` for a future. */
  name: string | number | null;
  exception: unknown;
  sourceTraceback: string | undefined;
  constructor(
    loop: LoopCore,
    kind: string,
    name: string | number | null,
    exception: unknown,
    sourceTraceback: string | undefined,
  ) {
    this.loop = loop;
    this.kind = kind;
    this.name = name;
    this.exception = exception;
    this.sourceTraceback = sourceTraceback;
  }
}

/**
 * @ignore What futures, tasks, handles and parking lots use of their loop (asyncio's
 * futures.py uses `get_debug()`, `call_exception_handler()` and
 * `call_soon()`): EventLoop implements it, and nothing below loop.ts calls
 * any other member of a loop.
 */
export interface LoopCore {
  /** The loop's clock (ms). */
  time(): number;
  /** Debug mode: record creation stacks, log slow callbacks. */
  _debug: boolean;
  /** The hot path: queue a ready entry, wake the loop if it is idle. */
  _pushReady(entry: ReadyItem): void;
  /** `callSoon` without checks, one argument. */
  _callSoonArg(cb: HandleCallback, arg: unknown, ctx: ContextSlot): ReadyItem;
  /** `callAt` without checks, one argument. */
  _callAtArg(
    when: number,
    cb: HandleCallback,
    arg: unknown,
    ctx: ContextSlot,
  ): ReadyItem;
  /** A callback from the host (a promise settled), ending host work. */
  _callFromHost(cb: HandleCallback, arg: unknown, ctx: ContextSlot): void;
  /** A timer handle was cancelled (the heap counts it while it is there). */
  _timerHandleCancelled(h: { _scheduled: boolean }): void;
  /** Reports an error to the loop's exception handler. */
  callExceptionHandler(
    context: { message: string; [key: string]: unknown },
  ): void;
  /** Throws `Event loop is closed` when closed. */
  _checkClosed(): void;
  /** Whether the loop is closed. */
  isClosed(): boolean;
  /** The failures nobody retrieved yet (reported at close at the latest). */
  _unretrieved: Set<NeverRetrieved>;
  /** The task whose step runs now. */
  _currentTask: TaskCore | null;
  /** The loop's callbacks are on the JS stack. */
  _onStack: boolean;
  /** Host work the loop waits for (fromPromise and the like). */
  _hostPending: number;
}

/**
 * @ignore A task as the modules below task.ts see it (Task implements it): a ready
 * entry (its next step) with the state the parking lot, the yield protocol
 * and the context code read.
 */
export interface TaskCore extends ReadyItem {
  _loop: LoopCore;
  /** 0 pending, 1 cancelled, 2 finished (`_flags & STATE_MASK`). */
  readonly _state: number;
  /** The state and packed booleans (see `_future_bits.ts`). */
  _flags: number;
  /** What the task waits on: a future or a parking lot, or `null`. */
  _futWaiter: object | null;
  /** The task's Context, or the map of the context it was created in. */
  _context: unknown;
}

/** The loop whose callbacks are on the JS stack right now, if any. */
export const runningState: { loop: EventLoop | null } = { loop: null };

/**
 * The event loop that is executing the current callback or task step.
 *
 * "Running" means on the JS stack: between iterations, while the loop waits
 * for a timer or for host I/O, no loop is running.
 *
 * @returns The running loop.
 * @throws {Error} `no running event loop` outside a loop's callback.
 *
 * @example
 * ```ts
 * import { EventLoop, getRunningLoop } from "@x/runner/loop";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => getRunningLoop(), /no running event loop/);
 * const loop = new EventLoop();
 * const seen = await loop.runUntilComplete((function* () {
 *   return getRunningLoop();
 * })());
 * assert.equal(seen, loop);
 * loop.close();
 * ```
 */
export function getRunningLoop(): EventLoop {
  const loop = runningState.loop;
  if (loop === null) throw new Error("no running event loop");
  return loop;
}
