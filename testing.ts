/**
 * Test tools. {@linkcode VirtualTimeLoop} is an event loop with a virtual
 * clock (Trio's `MockClock(autojump_threshold=0)`, Effect's `TestClock`,
 * CPython's `test_utils.TestLoop`): tests of timeouts, retries and schedules
 * take no real time and give the same `loop.time()` readings every run.
 *
 * Schedule shuffling, the other test tool, is an option of every loop:
 * `new EventLoop({ shuffle: seed })` (see `EventLoopOptions.shuffle`); it
 * works on a `VirtualTimeLoop` too.
 *
 * @example
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import { getRunningLoop } from "@x/runner/loop";
 * import { VirtualTimeLoop } from "@x/runner/testing";
 * import assert from "node:assert/strict";
 *
 * const t0 = performance.now();
 * const slept = await run((function* () {
 *   yield* sleep(60 * 60 * 1000); // an hour
 *   return getRunningLoop().time();
 * })(), { loopFactory: () => new VirtualTimeLoop() });
 * assert.equal(slept, 3_600_000);
 * assert.ok(performance.now() - t0 < 60_000); // not an hour
 * ```
 *
 * @module
 */

import { describe } from "./_describe.ts";
import { EventLoop, type EventLoopOptions } from "./loop.ts";

/** Options of {@linkcode VirtualTimeLoop}. */
export interface VirtualTimeLoopOptions extends EventLoopOptions {
  /**
   * When nothing is ready, jump the clock to the next timer at once (unless
   * host work the loop knows of is pending); `true` by default. With
   * `false`, the clock moves only by {@linkcode VirtualTimeLoop.advance}.
   */
  autojump?: boolean;
  /** The clock's first reading, in ms; 0 by default. */
  start?: number;
}

/**
 * An {@linkcode EventLoop} whose `time()` is a virtual clock.
 *
 * With `autojump` (the default), when nothing is ready the clock jumps to
 * the next timer's deadline at once, so a program that sleeps for an hour
 * finishes in microseconds. It never jumps while host work that the loop
 * knows of is pending (`fromPromise`, `fromAbortable`, and `delay` called
 * from the loop): then it waits for that work in real time with the clock
 * standing still, so programs that mix loop timers and host I/O stay
 * correct and deterministic. Host work the loop does not know of (a raw
 * `setTimeout` in host code that later calls into the loop) is not waited
 * for; wrap it in `fromPromise`. A `fromPromise` over a promise that only
 * settles through this loop's own timers never settles: the clock waits for
 * the promise, the promise for the clock.
 *
 * Every timer rule of the real loop holds: one iteration runs the callbacks
 * ready when it began plus the timers due, ties run in scheduling order,
 * and each timer (and what it wakes) sees `time()` equal to its deadline.
 * The time slice (`timeSlice`) and debug mode's slow-callback warnings keep
 * using real time, so a long burst of work still yields to the host. The
 * loop never arms a host timer.
 *
 * @example
 * ```ts
 * import { Runner, sleep, TimeoutError } from "@x/runner";
 * import { waitFor } from "@x/runner/combinators";
 * import { getRunningLoop } from "@x/runner/loop";
 * import { VirtualTimeLoop } from "@x/runner/testing";
 * import assert from "node:assert/strict";
 *
 * await using runner = new Runner({ loopFactory: () => new VirtualTimeLoop() });
 * const log = await runner.run((function* () {
 *   const loop = getRunningLoop();
 *   const seen: number[] = [];
 *   for (let attempt = 0; attempt < 3; attempt++) {
 *     try {
 *       yield* waitFor(sleep(86_400_000), 1000 * 2 ** attempt); // backoff
 *     } catch (e) {
 *       assert.ok(e instanceof TimeoutError);
 *       seen.push(loop.time());
 *     }
 *   }
 *   return seen;
 * })());
 * assert.deepEqual(log, [1000, 3000, 7000]);
 * ```
 */
export class VirtualTimeLoop extends EventLoop {
  /** @internal The virtual clock. */
  _now: number;
  /** @internal */
  _autojump: boolean;
  /** @internal Where `advance` has asked the clock to go. */
  _target: number;

  /**
   * Makes a loop with a virtual clock.
   *
   * @param options `autojump` (default `true`), `start` (default 0), and
   * every {@linkcode EventLoopOptions} option.
   * @throws {TypeError} When `autojump` is not a boolean or `start` not a
   * number.
   * @throws {RangeError} When `start` is NaN or infinite.
   */
  constructor(options?: VirtualTimeLoopOptions) {
    super(options);
    const autojump = options?.autojump ?? true;
    if (typeof autojump !== "boolean") {
      throw new TypeError(
        `VirtualTimeLoop(): options.autojump must be a boolean, got ${
          describe(autojump)
        }`,
      );
    }
    const start = options?.start ?? 0;
    if (typeof start !== "number" || !Number.isFinite(start)) {
      throw new (typeof start === "number" ? RangeError : TypeError)(
        `VirtualTimeLoop(): options.start must be a finite number of milliseconds, got ${
          describe(start)
        }`,
      );
    }
    this._autojump = autojump;
    this._now = start;
    this._target = start;
  }

  /**
   * The virtual clock, in milliseconds. It moves only when the loop is idle
   * (by autojump or {@linkcode VirtualTimeLoop.advance}), never while
   * callbacks run.
   *
   * @returns The current virtual time.
   *
   * @example
   * ```ts
   * import { VirtualTimeLoop } from "@x/runner/testing";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualTimeLoop({ start: 500 });
   * assert.equal(loop.time(), 500);
   * loop.close();
   * ```
   */
  override time(): number {
    return this._now;
  }

  /**
   * Moves the clock forward by `ms` (for `autojump: false`, and to let time
   * pass where no timer is waiting). Callable from host code or from a task
   * or callback of the loop. The walk happens when the loop is next idle
   * (at once if it is waiting; after the current work if called from it):
   * the timers that fall due run in deadline order, each (and what it
   * wakes) seeing `time()` equal to its own deadline, and the clock ends at
   * the target. Calls add up. If the loop is not running, the walk happens
   * when it runs next.
   *
   * @param ms How far, in milliseconds (0 or more).
   * @throws {TypeError} When `ms` is not a number.
   * @throws {RangeError} When `ms` is negative, infinite or NaN.
   *
   * @example
   * ```ts
   * import { VirtualTimeLoop } from "@x/runner/testing";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualTimeLoop({ autojump: false });
   * const seen: number[] = [];
   * loop.callLater(30, () => seen.push(loop.time()));
   * loop.callLater(10, () => seen.push(loop.time()));
   * const done = loop.createFuture<void>();
   * loop.callLater(100, () => done.setResult());
   * loop.advance(50);
   * loop.advance(50);
   * await loop.runUntilComplete(done);
   * assert.deepEqual(seen, [10, 30]);
   * assert.equal(loop.time(), 100);
   * loop.close();
   * ```
   */
  advance(ms: number): void {
    if (typeof ms !== "number") {
      throw new TypeError(
        `VirtualTimeLoop.advance(): ms: advance() expects milliseconds (a number), got ${
          describe(ms)
        }`,
      );
    }
    if (!(ms >= 0) || ms === Infinity) {
      throw new RangeError(
        `VirtualTimeLoop.advance(): ms must be a finite number of milliseconds >= 0, got ${
          describe(ms)
        }`,
      );
    }
    this._target = Math.max(this._target, this._now) + ms;
    this._scheduleDrain(); // does nothing on the stack or when not running
  }

  /**
   * A description: `<VirtualTimeLoop time=… running=… closed=… debug=…>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { VirtualTimeLoop } from "@x/runner/testing";
   * import assert from "node:assert/strict";
   *
   * assert.equal(
   *   String(new VirtualTimeLoop({ debug: false })),
   *   "<VirtualTimeLoop time=0 running=false closed=false debug=false>",
   * );
   * ```
   */
  override toString(): string {
    return `<VirtualTimeLoop time=${this._now} running=${this._running} closed=${this._closed} debug=${this._debug}>`;
  }

  /** @internal Nothing ready, no timer due: move the clock instead. */
  override _idle(next: number | undefined): boolean {
    if (
      next !== undefined && next !== Infinity &&
      (next <= this._target || (this._autojump && this._hostPending === 0))
    ) {
      if (next > this._now) this._now = next;
      return true;
    }
    if (this._target > this._now) this._now = this._target;
    return false;
  }

  /**
   * @internal Host work ended: the clock may jump again, after a host
   * macrotask, so that the promise reactions queued by the work's end (host
   * code that goes on to call into the loop) run first.
   */
  override _hostWorkDone(): void {
    this._hostPending--;
    if (this._hostPending === 0 && this._autojump) {
      setTimeout(this._wakeBound, 0);
    }
  }

  /** @internal */
  _wakeBound: () => void = () => this._scheduleDrain();
}
