/**
 * Timeouts: asyncio's `timeout()` / `timeout_at()` (Python 3.11). Python
 * writes `async with asyncio.timeout(10): await work()`; here the block is a
 * body function, because leaving it may itself need the task:
 *
 * ```ts ignore
 * yield* timeout(10_000, function* (cm) { yield* work(); });
 * ```
 *
 * When the deadline passes, the task running the body is cancelled; the
 * `CancelledError` unwinds the body (its `finally` blocks run, and may
 * `yield*`), and at the end of the block it becomes a `TimeoutError` whose
 * `cause` is that `CancelledError`. The cancellation is taken back with
 * `task.uncancel()`, so the task is not left cancelled. A cancellation that
 * came from elsewhere (another task, an outer timeout) is never turned into
 * a `TimeoutError`: it keeps propagating as a `CancelledError`.
 *
 * @example
 * ```ts
 * import { run, sleep, TimeoutError } from "@x/runner";
 * import { timeout } from "@x/runner/timeouts";
 * import assert from "node:assert/strict";
 *
 * const r = await run((function* () {
 *   try {
 *     yield* timeout(10, function* () {
 *       yield* sleep(10_000);
 *     });
 *   } catch (e) {
 *     assert.ok(e instanceof TimeoutError);
 *     return "gave up";
 *   }
 * })());
 * assert.equal(r, "gave up");
 * ```
 *
 * @module
 */

import { type Coroutine, isCoroutine } from "./_coro.ts";
import { describe } from "./_describe.ts";
import { CancelledError, TimeoutError } from "./_errors.ts";
import type { Handle } from "./_handle.ts";
import { getRunningLoop, runningState } from "./_running.ts";
import type { Task } from "./task.ts";
import { badType, checkTime } from "./_validate.ts";

export type { Coroutine };

// States, named by their `.value` in asyncio (they show in toString()).
const CREATED = "created";
const ENTERED = "active";
const EXPIRING = "expiring";
const EXPIRED = "expired";
const EXITED = "finished";

/** The body of a {@linkcode timeout} block: a `function*` given the Timeout. */
export type TimeoutBody<T> = (cm: Timeout) => Coroutine<T>;

/**
 * One timeout block, asyncio's `Timeout`: the deadline of a body, which can
 * be read ({@linkcode Timeout.when}), moved ({@linkcode Timeout.reschedule})
 * and checked afterwards ({@linkcode Timeout.expired}). Usually made by
 * {@linkcode timeout} or {@linkcode timeoutAt}, which pass it to the body.
 *
 * A Timeout is used once: `run` enters it, runs the body, and exits.
 *
 * @example
 * ```ts
 * import { getRunningLoop, run, sleep } from "@x/runner";
 * import { Timeout } from "@x/runner/timeouts";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const cm = new Timeout(getRunningLoop().time() + 1000);
 *   yield* cm.run(function* () {
 *     yield* sleep(1);
 *   });
 *   assert.equal(cm.expired(), false);
 *   assert.equal(String(cm), "<Timeout [finished]>");
 * })());
 * ```
 */
export class Timeout {
  /** @internal One of the state strings above. */
  _state: string;
  /** @internal The deadline in loop time, or null when disabled. */
  _when: number | null;
  /** @internal The scheduled expiry callback. */
  _handle: Handle | null;
  /** @internal The task the body runs in. */
  _task: Task<unknown> | null;
  /** @internal `task.cancelling()` when the block was entered. */
  _cancelling: number;

  /**
   * Makes an unentered timeout (asyncio's `Timeout(when)`).
   *
   * @param when The deadline in loop time (`loop.time()`, milliseconds), or
   * `null` for none.
   * @throws {TypeError} When `when` is neither a number nor `null`.
   * @throws {RangeError} When `when` is NaN.
   */
  constructor(when: number | null) {
    this._when = checkWhen(when, "Timeout");
    this._state = CREATED;
    this._handle = null;
    this._task = null;
    this._cancelling = 0;
  }

  /**
   * The deadline, in loop time.
   *
   * @returns The deadline in milliseconds of `loop.time()`, or `null` when
   * the timeout is disabled.
   *
   * @example
   * ```ts
   * import { Timeout } from "@x/runner/timeouts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Timeout(123).when(), 123);
   * assert.equal(new Timeout(null).when(), null);
   * ```
   */
  when(): number | null {
    return this._when;
  }

  /**
   * Moves the deadline of an active timeout. A deadline at or before now
   * expires it on the next loop iteration; `null` disables it.
   *
   * @param when The new deadline in loop time, or `null`.
   * @throws {Error} `Timeout has not been entered` before the block starts;
   * `Cannot change state of finished Timeout` (or `expiring`, `expired`)
   * after it ended or expired.
   *
   * @example
   * ```ts
   * import { getRunningLoop, run, sleep } from "@x/runner";
   * import { timeout } from "@x/runner/timeouts";
   * import assert from "node:assert/strict";
   *
   * await run((function* () {
   *   yield* timeout(5, function* (cm) {
   *     cm.reschedule(getRunningLoop().time() + 10_000); // more time
   *     yield* sleep(20);
   *   });
   *   yield* timeout(10_000, function* (cm) {
   *     cm.reschedule(null); // no deadline at all
   *     assert.equal(cm.when(), null);
   *   });
   * })());
   * ```
   */
  reschedule(when: number | null): void {
    when = checkWhen(when, "Timeout.reschedule");
    if (this._state !== ENTERED) {
      if (this._state === CREATED) {
        throw new Error("Timeout has not been entered");
      }
      throw new Error(`Cannot change state of ${this._state} Timeout`);
    }
    this._when = when;
    if (this._handle !== null) this._handle.cancel();
    if (when === null) {
      this._handle = null;
      return;
    }
    const loop = this._task!._loop;
    this._handle = when <= loop.time()
      ? loop._callSoonArg(onTimeout, this, this._task!.getContext())
      : loop._callAtArg(when, onTimeout, this, this._task!.getContext());
  }

  /**
   * Whether the deadline passed while the body ran (the body was cancelled,
   * or is being cancelled, because of this timeout).
   *
   * @returns `true` once the timeout fired.
   *
   * @example
   * ```ts
   * import { run, sleep, TimeoutError } from "@x/runner";
   * import { Timeout, timeout } from "@x/runner/timeouts";
   * import assert from "node:assert/strict";
   *
   * await run((function* () {
   *   let seen: Timeout | undefined;
   *   try {
   *     yield* timeout(1, function* (cm) {
   *       seen = cm;
   *       yield* sleep(1000);
   *     });
   *   } catch (e) {
   *     assert.ok(e instanceof TimeoutError);
   *   }
   *   assert.equal(seen!.expired(), true);
   * })());
   * ```
   */
  expired(): boolean {
    return this._state === EXPIRING || this._state === EXPIRED;
  }

  /**
   * Enters the timeout, runs `body(this)` in the current task, and exits:
   * asyncio's `async with cm:`. If the deadline passed during the body and
   * the body ended with the resulting `CancelledError`, that becomes a
   * `TimeoutError` (with the `CancelledError` as `cause`). Any other outcome
   * (a result, another error, a cancellation from elsewhere) passes through.
   *
   * @typeParam T The body's return type.
   * @param body A `function*` taking this Timeout.
   * @returns A coroutine to `yield*`; it returns what the body returns.
   * @throws {Error} `Timeout has already been entered` on a second use;
   * `Timeout should be used inside a task` outside a task.
   * @throws {TimeoutError} When the deadline passed.
   *
   * @example
   * ```ts
   * import { getRunningLoop, run, sleep } from "@x/runner";
   * import { Timeout } from "@x/runner/timeouts";
   * import assert from "node:assert/strict";
   *
   * const r = await run((function* () {
   *   const cm = new Timeout(getRunningLoop().time() + 1000);
   *   return yield* cm.run(function* () {
   *     yield* sleep(1);
   *     return "in time";
   *   });
   * })());
   * assert.equal(r, "in time");
   * ```
   */
  run<T>(body: TimeoutBody<T>): Coroutine<T> {
    checkBody(body, "Timeout.run");
    return runBlock(this, body);
  }

  /**
   * asyncio's repr: `<Timeout [active] when=12.345>` (the deadline rounded
   * to 3 decimals, `when=null` when disabled), `<Timeout [expired]>`,
   * `<Timeout [finished]>`, `<Timeout [created]>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { Timeout } from "@x/runner/timeouts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Timeout(1)), "<Timeout [created]>");
   * ```
   */
  toString(): string {
    if (this._state === ENTERED) {
      const when = this._when === null
        ? "null"
        : String(Math.round(this._when * 1000) / 1000);
      return `<Timeout [${this._state}] when=${when}>`;
    }
    return `<Timeout [${this._state}]>`;
  }

  /** @internal `__aenter__`. */
  _enter(): void {
    if (this._state !== CREATED) {
      throw new Error("Timeout has already been entered");
    }
    const task = runningState.loop?._currentTask ?? null;
    if (task === null) throw new Error("Timeout should be used inside a task");
    this._state = ENTERED;
    this._task = task;
    this._cancelling = task.cancelling();
    this.reschedule(this._when);
  }

  /**
   * @internal `__aexit__`: throws the TimeoutError when this timeout's own
   * cancellation ended the body; otherwise returns and the caller rethrows.
   */
  _exit(failed: boolean, error: unknown): void {
    if (this._handle !== null) {
      this._handle.cancel();
      this._handle = null;
    }
    const task = this._task;
    // Done with the task: an error thrown from here (or from the body)
    // keeps this timeout alive in its captured frames, and must not keep
    // the task too (see ReadyItem._runEntry).
    this._task = null;
    if (this._state === EXPIRING) {
      this._state = EXPIRED;
      // Take back our cancel. Only when no other cancellation is pending
      // (the count is back where it was at entry) is the CancelledError ours.
      if (
        task!.uncancel() <= this._cancelling && failed &&
        error instanceof CancelledError
      ) {
        throw new TimeoutError("the timeout expired", { cause: error });
      }
    } else if (this._state === ENTERED) {
      this._state = EXITED;
    }
  }
}

function* runBlock<T>(
  cm: Timeout,
  body: TimeoutBody<T>,
  delay?: number | null,
): Coroutine<T> {
  // timeout(ms): the deadline counts from the moment the block starts.
  if (delay !== undefined && delay !== null) {
    cm._when = getRunningLoop().time() + delay;
  }
  cm._enter();
  let result: T;
  try {
    const coro = body(cm);
    if (!isCoroutine(coro)) {
      throw new TypeError(
        `the timeout body must be a generator function (function*), it returned ${
          describe(coro)
        }`,
      );
    }
    result = yield* coro;
  } catch (e) {
    cm._exit(true, e);
    throw e;
  }
  cm._exit(false, undefined);
  return result;
}

/** `_on_timeout`: cancel the task (no message), mark as expiring. */
function onTimeout(cm: Timeout): void {
  cm._handle = null;
  if (cm._state !== ENTERED) return;
  cm._task!.cancel();
  cm._state = EXPIRING;
}

function checkWhen(when: unknown, what: string): number | null {
  if (when === null) return null;
  checkTime(what, "when (a loop time, or null)", when);
  return when as number;
}

function checkBody(body: unknown, what: string): void {
  if (typeof body !== "function") {
    throw badType(what, "body", "a function (function* (cm) { … })", body);
  }
}

/**
 * Runs `body` with a deadline `ms` milliseconds after the block starts
 * (asyncio's `async with timeout(delay)`; `yield* timeout(…)` starts it at
 * once, `createTask(timeout(…))` when the task starts). If it passes before the body ends, the body is cancelled and the
 * block throws `TimeoutError` (its `cause` is the `CancelledError`). Nested
 * timeouts work: only the one that fired turns the cancellation into a
 * `TimeoutError`; for the others it stays a `CancelledError`.
 *
 * @typeParam T The body's return type.
 * @param ms The delay in milliseconds (0 or less: expire at the next loop
 * iteration), or `null` for no deadline.
 * @param body A `function*` given the {@linkcode Timeout}.
 * @returns A coroutine to `yield*`; it returns what the body returns.
 * @throws {TimeoutError} When the deadline passed.
 * @throws {TypeError} When `ms` is not a number or `null`, or `body` not a
 * function.
 *
 * @example
 * ```ts
 * import { run, sleep, TimeoutError } from "@x/runner";
 * import { timeout } from "@x/runner/timeouts";
 * import assert from "node:assert/strict";
 *
 * const fast = await run(timeout(1000, function* () {
 *   yield* sleep(1);
 *   return "fast";
 * }));
 * assert.equal(fast, "fast");
 *
 * await assert.rejects(
 *   run(timeout(5, function* (cm) {
 *     try {
 *       yield* sleep(10_000);
 *     } finally {
 *       assert.ok(cm.expired()); // cleanup still runs
 *     }
 *   })),
 *   TimeoutError,
 * );
 * ```
 */
export function timeout<T>(
  ms: number | null,
  body: TimeoutBody<T>,
): Coroutine<T> {
  if (ms !== null) checkTime("timeout", "ms (or null)", ms);
  checkBody(body, "timeout");
  return runBlock(new Timeout(null), body, ms);
}

/**
 * Runs `body` with a deadline at loop time `when` (asyncio's
 * `async with timeout_at(when)`): like {@linkcode timeout}, with an absolute
 * deadline in the clock of `loop.time()`.
 *
 * @typeParam T The body's return type.
 * @param when The deadline in loop time (milliseconds), or `null` for none.
 * @param body A `function*` given the {@linkcode Timeout}.
 * @returns A coroutine to `yield*`; it returns what the body returns.
 * @throws {TimeoutError} When the deadline passed.
 * @throws {TypeError} When `when` is not a number or `null`, or `body` not
 * a function.
 *
 * @example
 * ```ts
 * import { getRunningLoop, run, sleep, TimeoutError } from "@x/runner";
 * import { timeoutAt } from "@x/runner/timeouts";
 * import assert from "node:assert/strict";
 *
 * const r = await run((function* () {
 *   const deadline = getRunningLoop().time() + 5;
 *   try {
 *     yield* timeoutAt(deadline, function* (cm) {
 *       assert.equal(cm.when(), deadline);
 *       yield* sleep(10_000);
 *     });
 *   } catch (e) {
 *     if (e instanceof TimeoutError) return "deadline passed";
 *     throw e;
 *   }
 * })());
 * assert.equal(r, "deadline passed");
 * ```
 */
export function timeoutAt<T>(
  when: number | null,
  body: TimeoutBody<T>,
): Coroutine<T> {
  checkWhen(when, "timeoutAt");
  const cm = new Timeout(when);
  checkBody(body, "timeoutAt");
  return runBlock(cm, body);
}
