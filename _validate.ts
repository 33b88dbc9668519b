// Argument checks at the API entry, shared by every public function so that
// each entry point adds one short line. A failed check throws
// `fn(): param must be <expected>, got <value>`: a TypeError for a value of
// the wrong type, a RangeError for a value out of range (NaN, a negative
// count). Options fields may be `undefined` or `null` (not given).

import { describe } from "./_describe.ts";
import { coroutineExpected, isCoroutine } from "./_coro.ts";

// deno-lint-ignore no-explicit-any
type Class = abstract new (...args: any[]) => unknown;
class Unregistered {}

/**
 * Classes the checks need that live above the modules using them (the loop
 * for future.ts and task.ts, Context for context.ts's own callers), set by
 * their modules at load so that no runtime import cycle arises.
 */
export const registered: { EventLoop: Class; Context: Class } = {
  EventLoop: Unregistered,
  Context: Unregistered,
};

/** The TypeError for `param` of `fn` not being `expected`. */
export function badType(
  fn: string,
  param: string,
  expected: string,
  got: unknown,
): TypeError {
  return new TypeError(
    `${fn}(): ${param} must be ${expected}, got ${describe(got)}`,
  );
}

/** The RangeError for `param` of `fn` being out of range. */
export function badValue(
  fn: string,
  param: string,
  expected: string,
  got: unknown,
): RangeError {
  return new RangeError(
    `${fn}(): ${param} must be ${expected}, got ${describe(got)}`,
  );
}

/** An options object: `undefined` or `null` (none), else a plain object. */
export function checkOptions(
  fn: string,
  options: unknown,
  param = "options",
): void {
  if (
    options != null && (typeof options !== "object" || Array.isArray(options))
  ) {
    throw badType(fn, param, "an object", options);
  }
}

/** A function. */
export function checkFunction(fn: string, param: string, x: unknown): void {
  if (typeof x !== "function") throw badType(fn, param, "a function", x);
}

/** A function, or not given. */
export function optFunction(fn: string, param: string, x: unknown): void {
  if (x != null && typeof x !== "function") {
    throw badType(fn, param, "a function", x);
  }
}

/** A boolean, or not given. */
export function optBoolean(fn: string, param: string, x: unknown): void {
  if (x != null && typeof x !== "boolean") {
    throw badType(fn, param, "a boolean", x);
  }
}

/** A string, or not given. */
export function optString(fn: string, param: string, x: unknown): void {
  if (x != null && typeof x !== "string") {
    throw badType(fn, param, "a string", x);
  }
}

/**
 * A number of milliseconds or a loop time: NaN is a RangeError, `Infinity`
 * is valid (never).
 */
export function checkTime(fn: string, param: string, x: unknown): void {
  if (typeof x !== "number") throw badType(fn, param, "a number", x);
  if (x !== x) throw badValue(fn, param, "a number", x);
}

/** {@linkcode checkTime}, or not given. */
export function optTime(fn: string, param: string, x: unknown): void {
  if (x != null) checkTime(fn, param, x);
}

/**
 * An integer >= `min`. A fractional number (or Infinity) is a TypeError, as
 * in Python where a float cannot be used as an integer; NaN and a value
 * below `min` are RangeErrors.
 */
export function checkInteger(
  fn: string,
  param: string,
  x: unknown,
  min: number,
): void {
  if (typeof x !== "number" || (x === x && !Number.isInteger(x))) {
    throw badType(fn, param, "an integer", x);
  }
  if (x !== x) throw badValue(fn, param, "an integer", x);
  if (x < min) throw badValue(fn, param, `>= ${min}`, x);
}

/** An instance of `cls`, described as `expected` (`"a Task"`). */
export function checkInstance(
  fn: string,
  param: string,
  x: unknown,
  cls: Class,
  expected: string,
): void {
  if (!(x instanceof cls)) throw badType(fn, param, expected, x);
}

/** An EventLoop. */
export function checkLoop(fn: string, param: string, x: unknown): void {
  if (!(x instanceof registered.EventLoop)) {
    throw badType(fn, param, "an EventLoop", x);
  }
}

/** An EventLoop, or not given. */
export function optLoop(fn: string, param: string, x: unknown): void {
  if (x != null && !(x instanceof registered.EventLoop)) {
    throw badType(fn, param, "an EventLoop", x);
  }
}

/** A Context, or not given. */
export function optContext(fn: string, param: string, x: unknown): void {
  if (x != null && !(x instanceof registered.Context)) {
    throw badType(fn, param, "a Context", x);
  }
}

/** An AbortSignal, or not given. */
export function optSignal(fn: string, param: string, x: unknown): void {
  if (
    x != null &&
    !(typeof AbortSignal === "function" && x instanceof AbortSignal)
  ) {
    throw badType(fn, param, "an AbortSignal", x);
  }
}

/** A coroutine (asyncio's `a coroutine was expected` wording). */
export function checkCoroutine(fn: string, param: string, x: unknown): void {
  if (!isCoroutine(x)) {
    const e = coroutineExpected(x, describe);
    e.message = `${fn}(): ${param}: ${e.message}`;
    throw e;
  }
}

/** Checks the options of a Future (and Task) constructor: `{ loop? }`. */
export function checkFutureOptions(fn: string, options: unknown): void {
  checkOptions(fn, options);
  optLoop(fn, "options.loop", (options as { loop?: unknown }).loop);
}

/** Checks an options object whose one field is `context`. */
export function checkContextOption(fn: string, options: unknown): void {
  checkOptions(fn, options);
  optContext(fn, "options.context", (options as { context?: unknown }).context);
}

/**
 * Checks a callback given to `callSoon` and its kin (asyncio's wording): a
 * function, and not a generator function.
 */
export function checkCallback(callback: unknown, method: string): void {
  if (typeof callback !== "function") {
    throw new TypeError(
      `EventLoop.${method}(): callback: a callable object was expected by ${method}(), got ${
        describe(callback)
      }`,
    );
  }
  if (callback.constructor?.name === "GeneratorFunction") {
    throw new TypeError(
      `EventLoop.${method}(): callback: coroutines cannot be used with ${method}()`,
    );
  }
}

/** Checks `EventLoopOptions.timeSlice`: a positive number of ms. */
export function checkTimeSlice(slice: unknown): number {
  if (typeof slice !== "number" || !(slice > 0)) {
    throw (typeof slice === "number" ? badValue : badType)(
      "EventLoop",
      "options.timeSlice",
      "a positive number of milliseconds",
      slice,
    );
  }
  return slice;
}

/**
 * The index `pos` stands for in a ready queue of `n` entries, as a Python
 * list's `pop(pos)` reads it (negative counts from the end).
 */
export function readyIndex(fn: string, pos: unknown, n: number): number {
  if (!Number.isInteger(pos)) checkInteger(fn, "pos", pos, -Infinity);
  if (n === 0) throw new RangeError("pop from empty ready queue");
  const p = pos as number;
  const i = p < 0 ? p + n : p;
  if (i < 0 || i >= n) {
    throw new RangeError(
      `ready queue index out of range: ${describe(pos)} (length ${n})`,
    );
  }
  return i;
}
