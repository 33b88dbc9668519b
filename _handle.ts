// Handle and TimerHandle: one callback scheduled on a loop. The ready queue
// also holds tasks (their next step) and done futures (their lone internal
// done callback) directly, so that neither allocates a Handle; a Handle is
// made for such an entry only when it is exposed (`readyPop`, `readyFind`)
// or reported (an error of its callback).

import { enterContext, exitContext } from "./_context_state.ts";

import { KeyboardInterrupt } from "./_errors.ts";
import { sourceTracebacks } from "./_debug_info.ts";
import type { Context } from "./_context.ts";
import type {
  HandleCallback,
  LoopCore,
  ReadyItem,
  RunEntry,
  TaskCore,
} from "./_events.ts";

export type { HandleCallback, ReadyItem, RunEntry };

/** What a cancelled handle's callback was (debug mode, for messages). */
const cancelledReprs = new WeakMap<Handle, string>();

/**
 * A callback scheduled with `callSoon` (or a task's next step): it can be
 * cancelled until it runs, and a `using` block cancels it at its end.
 *
 * @example
 * ```ts
 * import { EventLoop } from "@x/runner/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop();
 * const seen: string[] = [];
 * const h = loop.callSoon(() => seen.push("no"));
 * loop.callSoon(() => seen.push("yes"));
 * h.cancel();
 * assert.equal(h.cancelled(), true);
 * await loop.runUntilComplete((function* () {})());
 * assert.deepEqual(seen, ["yes"]);
 * loop.close();
 * ```
 */
export class Handle implements Disposable, ReadyItem {
  /** @internal */
  _callback: HandleCallback | null;
  /** @internal */
  _arg: unknown;
  /** @internal */
  _context: Context;
  /** @internal */
  _loop: LoopCore;
  /** @internal */
  _cancelled: boolean;
  /** @internal The task this handle steps, for the scheduling helpers. */
  _task: TaskCore | null;
  /** @internal */
  declare readonly _runEntry: RunEntry;

  /**
   * Handles come from the loop (`callSoon`, `callLater`, `callAt`).
   *
   * @param callback What to run.
   * @param arg Its one argument.
   * @param context The context to run it in.
   * @param loop The loop it belongs to.
   * @param task The task whose step this is, if any.
   */
  constructor(
    callback: HandleCallback,
    arg: unknown,
    context: Context,
    loop: LoopCore,
    task: TaskCore | null,
  ) {
    this._callback = callback;
    this._arg = arg;
    this._context = context;
    this._loop = loop;
    this._cancelled = false;
    this._task = task;
  }

  /**
   * Stops the callback from running; it does nothing once it has run.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const h = loop.callSoon(() => {});
   * h.cancel();
   * assert.ok(h.cancelled());
   * loop.close();
   * ```
   */
  cancel(): void {
    if (this._cancelled) return;
    if (this._loop._debug) cancelledReprs.set(this, this._describeCallback());
    this._cancelled = true;
    this._callback = null;
    this._arg = undefined;
  }

  /**
   * Whether {@linkcode Handle.cancel} was called.
   *
   * @returns `true` once cancelled.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * assert.equal(loop.callSoon(() => {}).cancelled(), false);
   * loop.close();
   * ```
   */
  cancelled(): boolean {
    return this._cancelled;
  }

  /**
   * The context the callback runs in (Python 3.12's `Handle.get_context`).
   *
   * @returns The context.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import { Context } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const ctx = new Context();
   * assert.equal(loop.callSoon(() => {}, { context: ctx }).getContext(), ctx);
   * loop.close();
   * ```
   */
  getContext(): Context {
    return this._context;
  }

  /**
   * Cancels the handle at the end of a `using` block.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * let h;
   * {
   *   using handle = loop.callLater(1000, () => {});
   *   h = handle;
   * }
   * assert.ok(h.cancelled());
   * loop.close();
   * ```
   */
  [Symbol.dispose](): void {
    this.cancel();
  }

  /**
   * A short description: `<Handle fn()>` or `<Handle cancelled>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * function tick() {}
   * assert.equal(String(loop.callSoon(tick)), "<Handle tick()>");
   * loop.close();
   * ```
   */
  toString(): string {
    return `<${this.constructor.name}${this._whenPart()} ${
      this._cancelled ? "cancelled" : this._describeCallback()
    }>`;
  }

  /** @internal */
  _whenPart(): string {
    return "";
  }

  /** @internal */
  _describeCallback(): string {
    if (this._task !== null) return `${this._task}.step()`;
    const cb = this._callback;
    if (cb === null) return cancelledReprs.get(this) ?? "cancelled";
    return `${cb.name || "(anonymous)"}()`;
  }

  /** @internal */
  _stepOf(): TaskCore | null {
    return this._cancelled ? null : this._task;
  }

  /** @internal */
  _toHandle(): Handle {
    return this;
  }
}

/**
 * Runs a handle's callback in its context; errors go to the loop. A context
 * that cannot be entered (it is entered already) is such an error too: it is
 * reported and the loop goes on, as in asyncio.
 */
function runHandle(h: Handle): void {
  if (h._cancelled) return;
  const cb = h._callback as HandleCallback;
  const ctx = h._context;
  let prev: ReturnType<typeof enterContext> = null;
  let entered = false;
  try {
    prev = enterContext(ctx);
    entered = true;
    cb(h._arg);
  } catch (e) {
    reportCallbackError(e, cb, h._arg, ctx, h._loop, h, h._task);
  } finally {
    if (entered) exitContext(ctx, prev);
  }
}
(Handle.prototype as { _runEntry: RunEntry })._runEntry = runHandle;

/**
 * @internal Sends the error of a ready entry's callback to the loop's
 * exception handler (a `KeyboardInterrupt` is rethrown: it stops the loop).
 */
export function reportCallbackError(
  e: unknown,
  callback: HandleCallback,
  arg: unknown,
  context: Context,
  loop: LoopCore,
  handle: Handle | null,
  task: TaskCore | null,
): void {
  if (e instanceof KeyboardInterrupt) throw e;
  const h = handle ?? new Handle(callback, arg, context, loop, task);
  loop.callExceptionHandler({
    message: `Exception in callback ${h._describeCallback()}`,
    exception: e,
    handle: h,
    sourceTraceback: sourceTracebacks.get(h),
  });
}

/**
 * A {@linkcode Handle} for a callback scheduled at a time (`callLater`,
 * `callAt`).
 *
 * @example
 * ```ts
 * import { EventLoop } from "@x/runner/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop();
 * const h = loop.callAt(loop.time() + 50, () => {});
 * assert.ok(h.when() > loop.time());
 * h.cancel();
 * loop.close();
 * ```
 */
export class TimerHandle extends Handle {
  /** @internal Deadline in loop time. */
  _when: number;
  /** @internal Scheduling order, breaks deadline ties. */
  _seq: number;
  /** @internal In the loop's timer heap (asyncio's `_scheduled`). */
  _scheduled: boolean;

  /**
   * Timer handles come from the loop (`callLater`, `callAt`).
   *
   * @param callback What to run.
   * @param arg Its one argument.
   * @param context The context to run it in.
   * @param loop The loop it belongs to.
   * @param when The deadline, in loop time.
   * @param seq The scheduling order, for ties.
   */
  constructor(
    callback: HandleCallback,
    arg: unknown,
    context: Context,
    loop: LoopCore,
    when: number,
    seq: number,
  ) {
    super(callback, arg, context, loop, null);
    this._when = when;
    this._seq = seq;
    this._scheduled = false;
  }

  /**
   * The deadline, in loop time (milliseconds, see `EventLoop.time`).
   *
   * @returns The deadline.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * assert.equal(loop.callAt(123, () => {}).when(), 123);
   * loop.close();
   * ```
   */
  when(): number {
    return this._when;
  }

  /**
   * Cancels the timer and lets the loop forget it.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const h = loop.callLater(10, () => {});
   * h.cancel();
   * assert.ok(h.cancelled());
   * loop.close();
   * ```
   */
  override cancel(): void {
    if (this._cancelled) return;
    super.cancel();
    this._loop._timerHandleCancelled(this);
  }

  /** @internal */
  override _whenPart(): string {
    return ` when=${Math.round(this._when * 1000) / 1000}`;
  }
}
