// The coroutine protocol shared by every driver (Task, CoroStart, Monitor).

/**
 * A coroutine: a generator object, made by calling a `function*`. Inside it,
 * `yield* x` awaits a Future, a Task or another coroutine.
 */
export type Coroutine<T> = Generator<unknown, T, unknown>;

/**
 * What a driver sends into a coroutine that last yielded `undefined` (a bare
 * yield, as `sleep(0)` does), so that the shared `sleep(0)` iterator knows it
 * is being resumed rather than started. Every other resume sends `undefined`.
 */
export const WAKE: unique symbol = Symbol("@x/runner wake");

/** Whether `x` is a generator object (what `function*` returns). */
export function isCoroutine(x: unknown): x is Coroutine<unknown> {
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
