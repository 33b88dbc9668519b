// The default-loop hook for schedule shuffling (EventLoopOptions.shuffle):
// `RUNNER_SHUFFLE=<seed> deno test --preload tests/_shuffle_setup.ts ...`
// makes every loop the tests create without a `shuffle` option shuffle its
// batches with that seed. Tests that assert asyncio's exact FIFO order opt
// out by name (SHUFFLE_OPT_OUT): they run with FIFO loops. .ci/run runs the
// suite so under a few seeds.

import { shuffleDefaults } from "../_shuffle.ts";

/**
 * Tests whose point is asyncio's FIFO order (or an ordering built on it:
 * asynkit's ready-queue scheduling, exact interleavings ported from
 * CPython), by name. Each is a test *of* FIFO order, not code that merely
 * happens to depend on it.
 */
export const SHUFFLE_OPT_OUT: ReadonlySet<string> = new Set<string>([]);

type TestFn = (t: Deno.TestContext) => void | Promise<void>;

const raw = Deno.env.get("RUNNER_SHUFFLE");
if (raw !== undefined && raw !== "") {
  const seed = Number(raw);
  if (!Number.isInteger(seed)) {
    throw new TypeError(`RUNNER_SHUFFLE must be an integer seed, got ${raw}`);
  }
  console.error(`[shuffle] every loop shuffles its batches, seed ${seed}`);
  const wrap = (name: string, fn: TestFn): TestFn => {
    const own = SHUFFLE_OPT_OUT.has(name) ? undefined : seed;
    return async (t) => {
      shuffleDefaults.seed = own;
      try {
        await fn(t);
      } finally {
        shuffleDefaults.seed = seed;
      }
    };
  };
  const test = Deno.test;
  // Deno.test(name, fn) / (name, options, fn) / (options, fn) /
  // ({ name, fn, ... }) / (fn): wrap the function, keep the rest.
  const patched = function (this: unknown, ...args: unknown[]): void {
    const last = args.length - 1;
    if (typeof args[last] === "function") {
      const fn = args[last] as TestFn;
      const first = args[0];
      const name = typeof first === "string"
        ? first
        : typeof first === "object" && first !== null &&
            typeof (first as { name?: unknown }).name === "string"
        ? (first as { name: string }).name
        : fn.name;
      args[last] = wrap(name, fn);
    } else {
      const def = args[0] as Deno.TestDefinition;
      args[0] = { ...def, fn: wrap(def.name, def.fn as TestFn) };
    }
    return (test as (...a: unknown[]) => void).apply(this, args);
  };
  Object.assign(patched, test);
  (Deno as { test: unknown }).test = patched;
  shuffleDefaults.seed = seed;
}
