// The coroutine protocol shared by every driver (Task, CoroStart, Monitor).

/**
 * What a coroutine yields to the task that drives it: an opaque, branded
 * type that only the library's own iterators produce (`Future`, `Task`,
 * `sleep`, and every coroutine the library returns). At run time it is the
 * future being waited on, or `undefined` for one turn of the loop; the type
 * hides that, so a value of any other type cannot be yielded by mistake.
 *
 * Its purpose is to make a forgotten `*` a compile error: `yield sleep(10)`,
 * `yield future`, `yield task`, `yield promise` and a bare `yield` do not
 * type-check in a body annotated {@linkcode Coroutine}, and an unannotated
 * `function*` that does one of them is rejected where it is passed to `run`,
 * `createTask`, `gather` and the other functions that take a coroutine.
 * Write `yield* x` to await `x`. Nothing outside the library needs to make
 * a `Suspend`; generators driven by `coroDrive` may yield anything.
 *
 * @example `yield*` library awaitables; `yield` alone does not compile
 * ```ts
 * import { type Coroutine, run, sleep, type Suspend } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * function* nap(ms: number): Coroutine<string> {
 *   yield* sleep(ms); // `yield sleep(ms)` would be a compile error here
 *   return "rested";
 * }
 * assert.equal(await run(nap(1)), "rested");
 * // Stepped by hand, it yields an opaque Suspend (here: one loop turn).
 * const step: IteratorResult<Suspend, string> = nap(0).next();
 * assert.equal(step.done, false);
 * ```
 */
export interface Suspend {
  /**
   * The brand: a type-only property, so no other value has the type (at
   * run time the yielded value has no such property).
   */
  readonly "@x/runner/Suspend": true;
}

/**
 * A coroutine: a generator object, made by calling a `function*`. Inside it,
 * `yield* x` awaits a Future, a Task or another coroutine. It yields only
 * {@linkcode Suspend} (what the library's awaitables yield) and returns `T`.
 */
export type Coroutine<T> = Generator<Suspend, T, unknown>;

/**
 * A generator that may yield anything, as the drivers that hand each yield
 * to a callback accept (`coroDrive`, and internally GeneratorObject, Monitor
 * and the scheduling helpers, each of which casts it to a
 * {@linkcode Coroutine} at one documented place).
 */
export type AnyCoroutine<T> = Generator<unknown, T, unknown>;

/**
 * What a driver sends into a coroutine that last yielded `undefined` (a bare
 * yield, as `sleep(0)` does), so that the shared `sleep(0)` iterator knows it
 * is being resumed rather than started. Every other resume sends `undefined`.
 */
export const WAKE: unique symbol = Symbol("@x/runner wake");

/** Whether `x` is a generator object (what `function*` returns). */
export function isCoroutine(x: unknown): x is AnyCoroutine<unknown> {
  return typeof x === "object" && x !== null &&
    typeof (x as Coroutine<unknown>).next === "function" &&
    typeof (x as Coroutine<unknown>).throw === "function" &&
    typeof (x as Coroutine<unknown>)[Symbol.iterator] === "function";
}

/** Whether `x` is an uncalled generator function (a common slip). */
export function isGeneratorFunction(x: unknown): boolean {
  return typeof x === "function" &&
    x.constructor?.name === "GeneratorFunction";
}

/** The `TypeError` for something that should have been a coroutine. */
export function coroutineExpected(
  x: unknown,
  describe: (x: unknown) => string,
): TypeError {
  const hint = isGeneratorFunction(x)
    ? ` (a generator function: call it, ${
      (x as () => void).name || "fn"
    }(), to make the coroutine)`
    : "";
  return new TypeError(`a coroutine was expected, got ${describe(x)}${hint}`);
}
