// Type test of the packed npm package, compiled by scripts/pack_test.sh with
// tsc (nodenext resolution, strict, library .d.ts checked) in a folder where
// the tarball is installed. Each `@ts-expect-error` must catch a wrong call:
// tsc fails on an unused one. Deno also checks this file against the sources.
import {
  ContextVar,
  type Coroutine,
  createTask,
  gather,
  run,
  sleep,
  type Task,
} from "@x/runner";
import { Context } from "@x/runner/context";

function* add(a: number, b: number): Coroutine<number> {
  yield* sleep(1);
  return a + b;
}

export const sum: number = await run(add(1, 2));

export const pair: [number, string] = await run((function* () {
  const t: Task<number> = createTask(add(1, 2));
  const s = createTask((function* () {
    yield* sleep(0);
    return "x";
  })());
  return yield* gather([t, s]);
})());

const v = new ContextVar<string>("v", { default: "d" });
export const got: string = v.get();
export const ctx: Context = new Context();

// @ts-expect-error run() takes a coroutine, not a number
export const notACoroutine = run(42);

// @ts-expect-error the coroutine returns a number, not a string
export const wrongResult: string = await run(add(1, 2));

// @ts-expect-error ContextVar<string>.set takes a string
v.set(1);
