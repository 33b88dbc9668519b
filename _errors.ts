// Error classes, below every module that throws them (re-exported by
// future.ts, which the design names as their home).

/**
 * Sets `name` on an error class's instance (non-enumerable, as on built-in
 * errors) so stacks and messages show the class name.
 */
export function named<T extends Error>(err: T, name: string): T {
  Object.defineProperty(err, "name", {
    value: name,
    configurable: true,
    writable: true,
    enumerable: false,
  });
  return err;
}

/**
 * Thrown into a coroutine when its task is cancelled, and by `result()` of a
 * cancelled Future. The cancel message, when one was given, is the error's
 * `message`.
 *
 * @example
 * ```ts
 * import { CancelledError } from "@x/runner/future";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new CancelledError("stop").message, "stop");
 * ```
 */
export class CancelledError extends Error {
  /**
   * Makes the error.
   *
   * @param message The cancel message, if any.
   * @param options Standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message ?? "", options);
    named(this, "CancelledError");
  }
}

/**
 * An operation not allowed in the Future's current state, such as reading
 * the result of a pending Future or setting the result of a finished one.
 *
 * @example
 * ```ts
 * import { InvalidStateError } from "@x/runner/future";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new InvalidStateError("Result is not ready.") instanceof Error);
 * ```
 */
export class InvalidStateError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was not allowed.
   * @param options Standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    named(this, "InvalidStateError");
  }
}

/**
 * A deadline passed (`waitFor`, `timeout`, `asCompleted`).
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@x/runner/future";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new TimeoutError().name, "TimeoutError");
 * ```
 */
export class TimeoutError extends Error {
  /**
   * Makes the error.
   *
   * @param message What timed out.
   * @param options Standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    named(this, "TimeoutError");
  }
}

/**
 * The user interrupted the program (Ctrl-C): what `Runner.run` rejects with
 * after SIGINT cancelled the main task. Like Python's `KeyboardInterrupt` it
 * is never contained: a task that throws it also stops its loop.
 *
 * @example
 * ```ts
 * import { KeyboardInterrupt } from "@x/runner/future";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new KeyboardInterrupt().name, "KeyboardInterrupt");
 * ```
 */
export class KeyboardInterrupt extends Error {
  /**
   * Makes the error.
   *
   * @param message Usually empty.
   * @param options Standard error options (`cause`: the CancelledError).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    named(this, "KeyboardInterrupt");
  }
}
