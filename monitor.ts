/**
 * Out-of-band messages from a coroutine to whoever awaits it, after the
 * Python library asynkit: a {@linkcode Monitor} lets a coroutine suspend
 * itself with `yield* monitor.oob(data)`; the awaiting caller gets an
 * {@linkcode OOBData} error carrying `data`, and resumes the coroutine later
 * (optionally sending a reply). No Task is involved, and the messages never
 * reach the event loop, so monitors also work without a loop (`awaitSync`).
 *
 * A {@linkcode GeneratorObject} builds an async generator on top of it:
 * `yield* gen.ayield(v)` can be called by the generator's coroutine, by any
 * coroutine it calls, and even by other tasks.
 *
 * @example Out-of-band messages
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import { Monitor, OOBData } from "@x/runner/monitor";
 * import assert from "node:assert/strict";
 *
 * function* coro(m: Monitor<string>) {
 *   yield* m.oob("hello");
 *   yield* sleep(0);
 *   yield* m.oob("dolly");
 *   return "done";
 * }
 * const out: unknown[] = [];
 * await run((function* () {
 *   const m = new Monitor<string>();
 *   const c = coro(m);
 *   for (;;) {
 *     try {
 *       out.push(yield* m.aawait(c));
 *       break;
 *     } catch (e) {
 *       if (!(e instanceof OOBData)) throw e;
 *       out.push(e.data);
 *     }
 *   }
 * })());
 * assert.deepEqual(out, ["hello", "dolly", "done"]);
 * ```
 *
 * @module
 */

import { named } from "./_errors.ts";
import type { Coroutine, Suspend } from "./_coro.ts";
import { describe } from "./_describe.ts";
import {
  closeCoro,
  coroStates,
  DONE,
  GeneratorExit,
  NEW,
  stepCoro,
} from "./_drive.ts";
import { getRunningLoop, runningState } from "./_running.ts";
import { Future, PENDING } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import type { Task } from "./task.ts";
import {
  checkCoroutine,
  checkInstance,
  checkOptions,
  optLoop,
} from "./_validate.ts";

export type { Coroutine };

const INACTIVE = 0;
const ACTIVE = 1;
const OOB = -1;

/**
 * Raised to the caller of {@linkcode Monitor.aawait} (or
 * {@linkcode Monitor.athrow}) when the monitored coroutine calls
 * `yield* monitor.oob(data)`; `data` is what it sent.
 *
 * @example
 * ```ts
 * import { OOBData } from "@x/runner/monitor";
 * import assert from "node:assert/strict";
 *
 * const e = new OOBData({ need: "more" });
 * assert.deepEqual(e.data, { need: "more" });
 * assert.equal(e.name, "OOBData");
 * ```
 */
export class OOBData extends Error {
  /** The data the coroutine sent. */
  readonly data: unknown;

  /**
   * Makes the error.
   *
   * @param data The out-of-band data.
   */
  constructor(data?: unknown) {
    super(`out-of-band data: ${describe(data)}`);
    named(this, "OOBData");
    this.data = data;
  }
}

/** A value `oob()` sent from another task, waiting for its reply. */
interface Handoff {
  value: unknown;
  fut: Future<unknown>;
}

/**
 * Awaits a coroutine while listening for its out-of-band messages. The
 * monitor holds no reference to the coroutine: pass it to every call (or
 * bind it with {@linkcode Monitor.awaitable}). One monitor drives one
 * coroutine at a time.
 *
 * @typeParam T The type of the out-of-band data.
 *
 * @example Sending replies
 * ```ts
 * import { run } from "@x/runner";
 * import { Monitor, OOBData } from "@x/runner/monitor";
 * import assert from "node:assert/strict";
 *
 * function* helper(m: Monitor<string>) {
 *   let back = yield* m.oob("foo");
 *   back = yield* m.oob(back + "foo");
 *   return back + "foo";
 * }
 * await run((function* () {
 *   const m = new Monitor<string>();
 *   const c = helper(m);
 *   try { yield* m.aawait(c); } catch (e) { assert.equal((e as OOBData).data, "foo"); }
 *   try { yield* m.aawait(c, "hoo"); } catch (e) { assert.equal((e as OOBData).data, "hoofoo"); }
 *   assert.equal(yield* m.aawait(c, "how"), "howfoo");
 * })());
 * ```
 */
export class Monitor<T = unknown> {
  /** @internal INACTIVE, ACTIVE or OOB. */
  _state: number = INACTIVE;
  /** @internal The monitored coroutine is on the stack, stepped by us. */
  _stepping = false;
  /** @internal The task whose step drives the monitored coroutine. */
  _task: Task<unknown> | null = null;
  /** @internal Values sent by `oob()` from other tasks, oldest first. */
  _handoffs: Handoff[] = [];
  /** @internal A handoff was delivered; the coroutine is still mid-flight. */
  _parked = false;
  /** @internal What the coroutine last yielded before parking. */
  _parkedOut: unknown = undefined;

  /**
   * Called inside the monitored coroutine: suspends it and raises
   * {@linkcode OOBData}(`data`) to the caller of `aawait`. The next
   * `aawait(coro, reply)` makes `reply` the value of this call;
   * `athrow(coro, e)` makes it throw `e`.
   *
   * When called from another task while the coroutine is being awaited, the
   * data is handed over through a Future: the awaiting caller gets it as
   * `OOBData` and its next `aawait(coro, reply)` answers it, while the
   * monitored coroutine stays where it was.
   *
   * @param data The data to send.
   * @returns A coroutine giving the caller's reply.
   * @throws {Error} `Monitor not active` when nobody awaits through the monitor.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * await run((function* () {
   *   const m = new Monitor();
   *   const r = yield* m.tryAwait((function* () {
   *     return yield* m.oob(1);
   *   })(), undefined, "no value yet");
   *   assert.equal(r, "no value yet");
   * })());
   * ```
   */
  oob(data?: T): Coroutine<unknown> {
    return oobImpl(this as Monitor<unknown>, data);
  }

  /**
   * Awaits `coro` (starts or resumes it) through the monitor.
   *
   * @param coro The monitored coroutine.
   * @param data The reply to its pending `oob()` call; must be `undefined`
   * the first time.
   * @returns A coroutine giving `coro`'s return value.
   * @throws {OOBData} When `coro` calls `oob(data)`.
   * @throws {TypeError} `can't send non-undefined value to a just-started coroutine`.
   * @throws {Error} `Monitor cannot be re-entered`; `cannot reuse already
   * awaited coroutine` (it finished); `coroutine raised OOBData`.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const r = await run((function* () {
   *   const m = new Monitor();
   *   return yield* m.aawait((function* () { return 4; })());
   * })());
   * assert.equal(r, 4);
   * ```
   */
  aawait<R>(coro: Coroutine<R>, data?: unknown): Coroutine<R> {
    checkCoroutine("Monitor.aawait", "coro", coro);
    return asend(this as Monitor<unknown>, coro, 0, data);
  }

  /**
   * Throws `exc` into `coro` at its pending `oob()` call (or at its start)
   * and continues awaiting it through the monitor.
   *
   * @param coro The monitored coroutine.
   * @param exc What to throw in.
   * @returns A coroutine giving `coro`'s return value.
   * @throws {OOBData} When `coro` calls `oob(data)` again.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor, OOBData } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const r = await run((function* () {
   *   const m = new Monitor();
   *   const c = (function* () {
   *     try {
   *       yield* m.oob("waiting");
   *     } catch (e) {
   *       return (e as Error).message;
   *     }
   *   })();
   *   try { yield* m.aawait(c); } catch (e) { assert.ok(e instanceof OOBData); }
   *   return yield* m.athrow(c, new Error("bar"));
   * })());
   * assert.equal(r, "bar");
   * ```
   */
  athrow<R>(coro: Coroutine<R>, exc: unknown): Coroutine<R> {
    checkCoroutine("Monitor.athrow", "coro", coro);
    return asend(this as Monitor<unknown>, coro, 1, exc);
  }

  /**
   * Closes `coro` through the monitor: throws `GeneratorExit` in and lets
   * its cleanup run. A finished or new coroutine is just closed.
   *
   * @param coro The monitored coroutine.
   * @returns A coroutine to `yield*`.
   * @throws {Error} `Monitor coroutine ignored GeneratorExit` when it calls
   * `oob()` again.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * let finished = false;
   * await run((function* () {
   *   const m = new Monitor();
   *   const c = (function* () {
   *     try { yield* m.oob(); } finally { finished = true; }
   *   })();
   *   yield* m.start(c);
   *   yield* m.aclose(c);
   * })());
   * assert.equal(finished, true);
   * ```
   */
  aclose(coro: Coroutine<unknown>): Coroutine<void> {
    checkCoroutine("Monitor.aclose", "coro", coro);
    return this._aclose(coro);
  }

  /** @internal {@linkcode Monitor.aclose} after its check. */
  *_aclose(coro: Coroutine<unknown>): Coroutine<void> {
    if (coroStates.get(coro) === DONE) return;
    try {
      yield* this.athrow(coro, new GeneratorExit());
    } catch (e) {
      if (e instanceof GeneratorExit) return;
      if (e instanceof OOBData) {
        throw new Error("Monitor coroutine ignored GeneratorExit");
      }
      throw e;
    }
  }

  /**
   * Runs `coro` up to its first `oob()` call and returns that call's data.
   *
   * @param coro The monitored coroutine.
   * @returns A coroutine giving the first out-of-band data.
   * @throws {Error} `Coroutine did not await Monitor.oob()` when it returned.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const r = await run((function* () {
   *   const m = new Monitor<string>();
   *   return yield* m.start((function* () { yield* m.oob("ready"); })());
   * })());
   * assert.equal(r, "ready");
   * ```
   */
  start(coro: Coroutine<unknown>): Coroutine<unknown> {
    checkCoroutine("Monitor.start", "coro", coro);
    return this._start(coro);
  }

  /** @internal {@linkcode Monitor.start} after its check. */
  *_start(coro: Coroutine<unknown>): Coroutine<unknown> {
    try {
      yield* this.aawait(coro);
    } catch (e) {
      if (e instanceof OOBData) return e.data;
      throw e;
    }
    throw new Error("Coroutine did not await Monitor.oob()");
  }

  /**
   * `aawait(coro, data)`, but an out-of-band message gives `sentinel`
   * instead of throwing (its data is dropped).
   *
   * @param coro The monitored coroutine.
   * @param data The reply to its pending `oob()` call.
   * @param sentinel What to return on an out-of-band message.
   * @returns A coroutine giving the return value or `sentinel`.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * await run((function* () {
   *   const m = new Monitor<number>();
   *   const c = (function* () { return (yield* m.oob()) as number + 1; })();
   *   assert.equal(yield* m.tryAwait(c), undefined);
   *   assert.equal(yield* m.tryAwait(c, 2), 3);
   * })());
   * ```
   */
  tryAwait<R, S = undefined>(
    coro: Coroutine<R>,
    data?: unknown,
    sentinel?: S,
  ): Coroutine<R | S> {
    checkCoroutine("Monitor.tryAwait", "coro", coro);
    return this._tryAwait(coro, data, sentinel as S);
  }

  /** @internal {@linkcode Monitor.tryAwait} after its check. */
  *_tryAwait<R, S>(
    coro: Coroutine<R>,
    data: unknown,
    sentinel: S,
  ): Coroutine<R | S> {
    try {
      return yield* this.aawait(coro, data);
    } catch (e) {
      if (e instanceof OOBData) return sentinel as S;
      throw e;
    }
  }

  /**
   * Binds `coro` to this monitor.
   *
   * @param coro The monitored coroutine.
   * @returns A {@linkcode MonitorAwaitable}.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor, OOBData } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const r = await run((function* () {
   *   const m = new Monitor<string>();
   *   const b = m.awaitable((function* () { yield* m.oob("foo"); return "bar"; })());
   *   try { yield* b; } catch (e) { assert.equal((e as OOBData).data, "foo"); }
   *   return yield* b;
   * })());
   * assert.equal(r, "bar");
   * ```
   */
  awaitable<R>(coro: Coroutine<R>): MonitorAwaitable<R> {
    checkCoroutine("Monitor.awaitable", "coro", coro);
    return new MonitorAwaitable(this as Monitor<unknown>, coro);
  }
}

/**
 * A coroutine bound to a {@linkcode Monitor} (asynkit's `BoundMonitor`):
 * `yield* it` is `monitor.aawait(coro)`, and can be repeated after each
 * {@linkcode OOBData}.
 *
 * @typeParam R The coroutine's return type.
 *
 * @example
 * ```ts
 * import { run } from "@x/runner";
 * import { Monitor, MonitorAwaitable, OOBData } from "@x/runner/monitor";
 * import assert from "node:assert/strict";
 *
 * const r = await run((function* () {
 *   const m = new Monitor<string>();
 *   const b = new MonitorAwaitable(m, (function* () {
 *     return (yield* m.oob("q")) + "!";
 *   })());
 *   try { yield* b.aawait(); } catch (e) { assert.ok(e instanceof OOBData); }
 *   return yield* b.aawait("a");
 * })());
 * assert.equal(r, "a!");
 * ```
 */
export class MonitorAwaitable<R> {
  /** The monitor. */
  readonly monitor: Monitor<unknown>;
  /** The bound coroutine. */
  readonly coro: Coroutine<R>;

  /**
   * Binds `coro` to `monitor`.
   *
   * @param monitor The monitor.
   * @param coro The coroutine.
   */
  constructor(monitor: Monitor<unknown>, coro: Coroutine<R>) {
    checkInstance("MonitorAwaitable", "monitor", monitor, Monitor, "a Monitor");
    checkCoroutine("MonitorAwaitable", "coro", coro);
    this.monitor = monitor;
    this.coro = coro;
  }

  /**
   * `monitor.aawait(coro, data)`.
   *
   * @param data The reply to the pending `oob()` call.
   * @returns A coroutine giving the return value.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const r = await run(new Monitor().awaitable((function* () { return 1; })()).aawait());
   * assert.equal(r, 1);
   * ```
   */
  aawait(data?: unknown): Coroutine<R> {
    return this.monitor.aawait(this.coro, data);
  }

  /**
   * `monitor.athrow(coro, exc)`.
   *
   * @param exc What to throw in.
   * @returns A coroutine giving the return value.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const b = new Monitor().awaitable((function* () {})());
   * await assert.rejects(run(b.athrow(new EvalError("no"))), EvalError);
   * ```
   */
  athrow(exc: unknown): Coroutine<R> {
    return this.monitor.athrow(this.coro, exc);
  }

  /**
   * `monitor.aclose(coro)`.
   *
   * @returns A coroutine to `yield*`.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   *
   * await run(new Monitor().awaitable((function* () {})()).aclose());
   * ```
   */
  aclose(): Coroutine<void> {
    return this.monitor.aclose(this.coro as Coroutine<unknown>);
  }

  /**
   * `monitor.start(coro)`.
   *
   * @returns A coroutine giving the first out-of-band data.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const m = new Monitor();
   * const r = await run(m.awaitable((function* () { yield* m.oob(9); })()).start());
   * assert.equal(r, 9);
   * ```
   */
  start(): Coroutine<unknown> {
    return this.monitor.start(this.coro as Coroutine<unknown>);
  }

  /**
   * `monitor.tryAwait(coro, data, sentinel)`.
   *
   * @param data The reply to the pending `oob()` call.
   * @param sentinel What to return on an out-of-band message.
   * @returns A coroutine giving the return value or `sentinel`.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const m = new Monitor();
   * const r = await run(m.awaitable((function* () { yield* m.oob(); })()).tryAwait(undefined, "more"));
   * assert.equal(r, "more");
   * ```
   */
  tryAwait<S = undefined>(data?: unknown, sentinel?: S): Coroutine<R | S> {
    return this.monitor.tryAwait(this.coro, data, sentinel);
  }

  /**
   * `yield* bound` is `monitor.aawait(coro)`.
   *
   * @returns A coroutine giving the return value.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { Monitor } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const b = new Monitor().awaitable((function* () { return 2; })());
   * assert.equal(await run((function* () { return yield* b; })()), 2);
   * ```
   */
  [Symbol.iterator](): Coroutine<R> {
    return this.monitor.aawait(this.coro);
  }
}

function currentTaskOrNull(): Task<unknown> | null {
  const loop = runningState.loop;
  return loop === null ? null : loop._currentTask;
}

/** One step of the monitored coroutine, marked as "on our stack". */
function step<R>(
  m: Monitor<unknown>,
  coro: Coroutine<R>,
  mode: 0 | 1,
  value: unknown,
): IteratorResult<unknown, R> {
  m._stepping = true;
  try {
    return stepCoro(coro, mode, value, undefined);
  } finally {
    m._stepping = false;
  }
}

function* oobImpl(m: Monitor<unknown>, data: unknown): Coroutine<unknown> {
  if (m._stepping && m._state === ACTIVE && m._task === currentTaskOrNull()) {
    m._state = OOB;
    // Only our driver (asend) sees this yield: it becomes OOBData. The one
    // cast of `oob`: the data is not a Suspend, but never reaches a task.
    return yield data as Suspend;
  }
  if (m._state === INACTIVE && !m._parked) {
    throw new Error("Monitor not active");
  }
  if (m._state === OOB) throw new Error("Monitor not active");
  // Called from another task while the coroutine is awaited: hand over.
  const fut = getRunningLoop().createFuture<unknown>();
  m._handoffs.push({ value: data, fut });
  if (m._handoffs.length === 1 && !m._parked) wakeDriver(m);
  return yield* fut;
}

/** Wakes the task blocked in `asend` so that it delivers a handoff. */
function wakeDriver(m: Monitor<unknown>): void {
  const t = m._task;
  if (t === null || t._state !== PENDING) return;
  const w = t._futWaiter;
  if (w !== null && w._state === PENDING) {
    w._removeWaiter(t);
    t._futWaiter = null;
    t._loop._pushReady(t);
  }
  // Otherwise the task is runnable already and sees the handoff on resume.
}

function cancelHandoffs(m: Monitor<unknown>): void {
  const hs = m._handoffs;
  m._handoffs = [];
  m._parked = false;
  for (const h of hs) h.fut.cancel();
}

const REUSE = "cannot reuse already awaited coroutine";
const NOT_STEPPED: unique symbol = Symbol("not stepped");

/** The monitor's driver: asynkit's `Monitor._asend`. */
function* asend<R>(
  m: Monitor<unknown>,
  coro: Coroutine<R>,
  mode: 0 | 1,
  arg: unknown,
): Coroutine<R> {
  if (m._state !== INACTIVE) throw new Error("Monitor cannot be re-entered");
  let out: unknown;
  if (m._parked) {
    // Answer the handoff that was delivered, then go on waiting.
    const h = m._handoffs.shift()!;
    if (!h.fut.done()) {
      if (mode === 0) h.fut.setResult(arg);
      else h.fut.setException(arg);
    }
    if (m._handoffs.length > 0) throw new OOBData(m._handoffs[0].value);
    m._parked = false;
    out = m._parkedOut;
    m._parkedOut = undefined;
    if (out instanceof Future) out._blocking = true;
  } else {
    const s = coroStates.get(coro) ?? NEW;
    if (s === DONE) throw new Error(REUSE);
    if (s === NEW && mode === 0 && arg !== undefined) {
      throw new TypeError(
        "can't send non-undefined value to a just-started coroutine",
      );
    }
    out = NOT_STEPPED;
  }
  m._state = ACTIVE;
  m._task = currentTaskOrNull();
  // Set while suspended at our own yield: leaving from there can only be a
  // `return()` on this generator, which must close the coroutine.
  let abandoned = false;
  try {
    if (out === NOT_STEPPED) {
      let r: IteratorResult<unknown, R>;
      try {
        r = step(m, coro, mode, arg);
      } catch (e) {
        if (e instanceof OOBData) throw new Error("coroutine raised OOBData");
        throw e;
      }
      if (r.done === true) return r.value;
      out = r.value;
    }
    for (;;) {
      if (m._state === OOB) {
        m._state = ACTIVE;
        throw new OOBData(out);
      }
      // Values handed over by other tasks go first, unless the coroutine's
      // own future is done (its outcome, a cancellation say, comes first).
      if (
        m._handoffs.length > 0 &&
        !(out instanceof Future && out._state !== PENDING)
      ) {
        m._parked = true;
        m._parkedOut = out;
        throw new OOBData(m._handoffs[0].value);
      }
      let inMode: 0 | 1 = 0;
      let value: unknown;
      abandoned = true;
      try {
        // The one cast of the monitor's driver: `out` is what the monitored
        // coroutine yielded (a Suspend for its task), passed up unchanged.
        value = yield out as Suspend;
      } catch (e) {
        if (e instanceof GeneratorExit) {
          // As asynkit's _asend: close the coroutine and pass it on up.
          abandoned = false;
          closeCoro(coro as Coroutine<unknown>, undefined);
          throw e;
        }
        inMode = 1;
        value = e;
      }
      abandoned = false;
      m._task = currentTaskOrNull();
      if (inMode === 0 && m._handoffs.length > 0) {
        if (!(out instanceof Future && out._state !== PENDING)) {
          m._parked = true;
          m._parkedOut = out;
          throw new OOBData(m._handoffs[0].value);
        }
      }
      const r = step(m, coro, inMode, value);
      if (r.done === true) return r.value;
      out = r.value;
    }
  } finally {
    m._state = INACTIVE;
    if (abandoned) closeCoro(coro as Coroutine<unknown>, undefined);
    // A finished coroutine can no longer take values from other tasks.
    if (m._handoffs.length > 0 && coroStates.get(coro) === DONE) {
      cancelHandoffs(m);
    }
  }
}

/**
 * An async generator made of a coroutine that produces values with
 * `yield* gen.ayield(v)` instead of `yield`: anyone can ayield to it, the
 * coroutine itself, functions it calls, or other tasks.
 *
 * @typeParam T The type of the values.
 *
 * @example Values from the coroutine and from a helper task
 * ```ts
 * import { createTask, run } from "@x/runner";
 * import { GeneratorObject } from "@x/runner/monitor";
 * import assert from "node:assert/strict";
 *
 * function* generator(genObj: GeneratorObject<number>) {
 *   yield* genObj.ayield(1); // directly
 *   function* helper() {
 *     yield* genObj.ayield(2); // from someone else
 *   }
 *   yield* createTask(helper());
 * }
 * const values = await run((function* () {
 *   const genObj = new GeneratorObject<number>();
 *   const it = genObj.iterate(generator(genObj));
 *   const values: number[] = [];
 *   for (;;) {
 *     const r = yield* it.anext();
 *     if (r.done) break;
 *     values.push(r.value);
 *   }
 *   return values;
 * })());
 * assert.deepEqual(values, [1, 2]);
 * ```
 */
export class GeneratorObject<T> {
  /** The monitor that carries the values. */
  readonly monitor: Monitor<T> = new Monitor<T>();

  /**
   * Produces `value` to whoever iterates the generator, and waits until the
   * next value is asked for.
   *
   * @param value The value.
   * @returns A coroutine giving what the iterator sent with `asend`.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { GeneratorObject } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const g = new GeneratorObject<string>();
   * const it = g.iterate((function* () {
   *   const got = yield* g.ayield("first");
   *   yield* g.ayield(`got ${got}`);
   * })());
   * await run((function* () {
   *   assert.equal((yield* it.anext()).value, "first");
   *   assert.equal((yield* it.asend("x")).value, "got x");
   *   yield* it.aclose();
   * })());
   * ```
   */
  ayield(value: T): Coroutine<unknown> {
    return this.monitor.oob(value);
  }

  /**
   * The async iterator over the values `coro` produces (Python calls the
   * GeneratorObject for this).
   *
   * @param coro The generator's body.
   * @param options `loop`: the loop to run on when iterated from outside it
   * (with `for await`); by default the loop running at the first step.
   * @returns The iterator.
   *
   * @example Iterating from plain async code
   * ```ts
   * import { EventLoop, sleep } from "@x/runner";
   * import { GeneratorObject } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const g = new GeneratorObject<number>();
   * function* body() {
   *   for (let i = 0; i < 3; i++) {
   *     yield* sleep(1);
   *     yield* g.ayield(i);
   *   }
   * }
   * const seen: number[] = [];
   * for await (const v of g.iterate(body(), { loop })) seen.push(v);
   * assert.deepEqual(seen, [0, 1, 2]);
   * loop.close();
   * ```
   */
  iterate(
    coro: Coroutine<void>,
    options?: { loop?: EventLoop },
  ): GeneratorObjectIterator<T> {
    checkCoroutine("GeneratorObject.iterate", "coro", coro);
    checkOptions("GeneratorObject.iterate", options);
    optLoop("GeneratorObject.iterate", "options.loop", options?.loop);
    return new GeneratorObjectIterator<T>(
      this.monitor,
      coro,
      options?.loop,
    );
  }
}

const DONE_RESULT: IteratorResult<never, void> = {
  value: undefined,
  done: true,
};

/**
 * The async generator of a {@linkcode GeneratorObject}: `anext`, `asend`,
 * `athrow` and `aclose` are coroutines (for use in the loop); `next`,
 * `return`, `throw` and `[Symbol.asyncIterator]` are the native protocol
 * (for `for await` outside the loop), which runs the coroutines on its loop.
 *
 * A partly consumed iterator is registered with its loop, so
 * `loop.shutdownAsyncgens()` (and `Runner.close()`) closes it.
 *
 * @typeParam T The type of the values.
 *
 * @example
 * ```ts
 * import { run } from "@x/runner";
 * import { GeneratorObject } from "@x/runner/monitor";
 * import assert from "node:assert/strict";
 *
 * const g = new GeneratorObject<number>();
 * const it = g.iterate((function* () {
 *   const a = (yield* g.ayield(11)) as number;
 *   yield* g.ayield(12 + a);
 * })());
 * await run((function* () {
 *   assert.deepEqual(yield* it.anext(), { value: 11, done: false });
 *   assert.deepEqual(yield* it.asend(100), { value: 112, done: false });
 *   assert.deepEqual(yield* it.anext(), { value: undefined, done: true });
 * })());
 * ```
 */
export class GeneratorObjectIterator<T> implements AsyncIterableIterator<T> {
  /** The monitor carrying the values. */
  readonly monitor: Monitor<T>;
  /** The generator's body. */
  readonly coro: Coroutine<void>;
  /** Whether an `asend`/`athrow`/`aclose` is in progress. */
  agRunning = false;
  /** @internal */
  _loop: EventLoop | null;
  /** @internal Registered with `_loop` for `shutdownAsyncgens`. */
  _registered = false;
  /** @internal */
  _finished = false;

  /**
   * Makes the iterator; prefer {@linkcode GeneratorObject.iterate}.
   *
   * @param monitor The GeneratorObject's monitor.
   * @param coro The generator's body.
   * @param loop The loop for the native protocol (optional).
   */
  constructor(monitor: Monitor<T>, coro: Coroutine<void>, loop?: EventLoop) {
    const fn = "GeneratorObjectIterator";
    checkInstance(fn, "monitor", monitor, Monitor, "a Monitor");
    checkCoroutine(fn, "coro", coro);
    optLoop(fn, "loop", loop);
    this.monitor = monitor;
    this.coro = coro;
    this._loop = loop ?? null;
  }

  /**
   * The next value: `asend(undefined)`.
   *
   * @returns A coroutine giving `{ value, done: false }`, or
   * `{ value: undefined, done: true }` when the body returned.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { GeneratorObject } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const g = new GeneratorObject<number>();
   * const it = g.iterate((function* () { yield* g.ayield(1); })());
   * await run((function* () {
   *   assert.equal((yield* it.anext()).value, 1);
   *   assert.equal((yield* it.anext()).done, true);
   * })());
   * ```
   */
  anext(): Coroutine<IteratorResult<T, void>> {
    return this.asend(undefined);
  }

  /**
   * Resumes the body, making `value` the result of its pending `ayield`, and
   * returns the next value. The first call must send `undefined`.
   *
   * @param value The value to send.
   * @returns A coroutine giving the next result.
   * @throws {TypeError} `can't send non-undefined value to a just-started coroutine`.
   * @throws {Error} `asend(): asynchronous generator is already running`.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { GeneratorObject } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const g = new GeneratorObject<unknown>();
   * const it = g.iterate((function* () { yield* g.ayield(yield* g.ayield(0)); })());
   * await run((function* () {
   *   yield* it.anext();
   *   assert.equal((yield* it.asend("echo")).value, "echo");
   *   yield* it.aclose();
   * })());
   * ```
   */
  asend(value?: unknown): Coroutine<IteratorResult<T, void>> {
    return this.#resume("asend", this.monitor.aawait(this.coro, value));
  }

  /**
   * Throws `exc` into the body at its pending `ayield` and returns the next
   * value (a body that catches it may go on producing values).
   *
   * @param exc What to throw in.
   * @returns A coroutine giving the next result (`done` when the body
   * returned, and also when it had already finished).
   * @throws {Error} `athrow(): asynchronous generator is already running`.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { GeneratorObject } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const g = new GeneratorObject<number>();
   * const it = g.iterate((function* () {
   *   try {
   *     yield* g.ayield(1);
   *   } catch {
   *     yield* g.ayield(2);
   *   }
   * })());
   * await run((function* () {
   *   yield* it.anext();
   *   assert.equal((yield* it.athrow(new Error("x"))).value, 2);
   *   assert.equal((yield* it.anext()).done, true);
   * })());
   * ```
   */
  athrow(exc: unknown): Coroutine<IteratorResult<T, void>> {
    return this.#resume("athrow", this.monitor.athrow(this.coro, exc));
  }

  /** Runs one resumption of the body (`asend` / `athrow`) to its next value. */
  *#resume(
    method: string,
    resumption: Coroutine<unknown>,
  ): Coroutine<IteratorResult<T, void>> {
    if (this.agRunning) {
      throw new Error(
        `${method}(): asynchronous generator is already running`,
      );
    }
    if (this._isFinished()) return DONE_RESULT;
    this._firstIter();
    this.agRunning = true;
    try {
      yield* resumption;
      this._finish();
      return DONE_RESULT;
    } catch (e) {
      if (e instanceof OOBData) return { value: e.data as T, done: false };
      if (coroStates.get(this.coro) === DONE) this._finish();
      throw e;
    } finally {
      this.agRunning = false;
    }
  }

  /**
   * Closes the generator: throws `GeneratorExit` into the body at its
   * pending `ayield` and lets its cleanup run. Closing a finished (or
   * unstarted) generator is fine.
   *
   * @returns A coroutine to `yield*`.
   * @throws {Error} `async generator ignored GeneratorExit` when the body
   * ayields again; `aclose(): asynchronous generator is already running`.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { GeneratorObject } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * let cleaned = false;
   * const g = new GeneratorObject<number>();
   * const it = g.iterate((function* () {
   *   try { yield* g.ayield(1); } finally { cleaned = true; }
   * })());
   * await run((function* () {
   *   yield* it.anext();
   *   yield* it.aclose();
   *   assert.equal((yield* it.anext()).done, true);
   * })());
   * assert.equal(cleaned, true);
   * ```
   */
  *aclose(): Coroutine<void> {
    if (this.agRunning) {
      throw new Error("aclose(): asynchronous generator is already running");
    }
    if (this._isFinished()) {
      this._finish();
      return;
    }
    this.agRunning = true;
    try {
      yield* this.monitor.athrow(this.coro, new GeneratorExit());
    } catch (e) {
      if (e instanceof OOBData) {
        throw new Error("async generator ignored GeneratorExit");
      }
      if (!(e instanceof GeneratorExit)) throw e;
    } finally {
      this.agRunning = false;
      if (coroStates.get(this.coro) === DONE) this._finish();
    }
  }

  /**
   * The native async-iterator step: runs `asend(value)` on the iterator's
   * loop (as a task when the loop is running, else with
   * `runUntilComplete`).
   *
   * @param value The value to send.
   * @returns A promise of the next result.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner";
   * import { GeneratorObject } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const g = new GeneratorObject<number>();
   * const it = g.iterate((function* () { yield* g.ayield(5); })(), { loop });
   * assert.deepEqual(await it.next(), { value: 5, done: false });
   * assert.deepEqual(await it.next(), { value: undefined, done: true });
   * loop.close();
   * ```
   */
  next(value?: unknown): Promise<IteratorResult<T, void>> {
    return this._drive(this.asend(value));
  }

  /**
   * The native `return()`: closes the generator (see `aclose`).
   *
   * @returns A promise of `{ value: undefined, done: true }`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner";
   * import { GeneratorObject } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const g = new GeneratorObject<number>();
   * const it = g.iterate((function* () { yield* g.ayield(1); yield* g.ayield(2); })(), { loop });
   * for await (const v of it) {
   *   assert.equal(v, 1);
   *   break; // calls it.return()
   * }
   * assert.deepEqual(await it.next(), { value: undefined, done: true });
   * loop.close();
   * ```
   */
  async return(): Promise<IteratorResult<T, void>> {
    await this._drive(this.aclose());
    return DONE_RESULT;
  }

  /**
   * The native `throw()`: see `athrow`.
   *
   * @param exc What to throw in.
   * @returns A promise of the next result.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner";
   * import { GeneratorObject } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const g = new GeneratorObject<number>();
   * const it = g.iterate((function* () { yield* g.ayield(1); })(), { loop });
   * await it.next();
   * await assert.rejects(it.throw(new URIError("x")), URIError);
   * loop.close();
   * ```
   */
  throw(exc?: unknown): Promise<IteratorResult<T, void>> {
    return this._drive(this.athrow(exc));
  }

  /**
   * The iterator itself, for `for await`.
   *
   * @returns `this`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner";
   * import { GeneratorObject } from "@x/runner/monitor";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const g = new GeneratorObject<string>();
   * const it = g.iterate((function* () { yield* g.ayield("a"); })(), { loop });
   * assert.equal(it[Symbol.asyncIterator](), it);
   * loop.close();
   * ```
   */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** @internal */
  _isFinished(): boolean {
    return this._finished || coroStates.get(this.coro) === DONE;
  }

  /** @internal Python's firstiter hook: register with the running loop. */
  _firstIter(): void {
    if (this._registered || this._finished) return;
    const loop = runningState.loop ?? this._loop;
    if (loop === null) return;
    this._loop ??= loop;
    this._registered = true;
    loop._registerAsyncgen(this);
  }

  /** @internal */
  _finish(): void {
    if (this._finished) return;
    this._finished = true;
    if (this._registered && this._loop !== null) {
      this._loop._unregisterAsyncgen(this);
    }
  }

  /** @internal Runs one of the coroutines above for the native protocol. */
  _drive<R>(coro: Coroutine<R>): Promise<R> {
    const loop = this._loop ?? runningState.loop;
    if (loop === null) {
      return Promise.reject(
        new Error(
          "GeneratorObjectIterator: no event loop to run on (pass { loop } to iterate(), or iterate with anext() inside the loop)",
        ),
      );
    }
    this._loop = loop;
    if (loop.isRunning()) return loop.createTask(coro).toPromise();
    return loop.runUntilComplete(coro);
  }
}
