// Task internals that other drivers need, registered by task.ts at load so
// that they stay out of task.ts's public exports.

import type { Coroutine } from "./_coro.ts";
import type { EventLoop } from "./loop.ts";
import type { Task, TaskConstructorOptions } from "./task.ts";

/** Filled in by task.ts. */
export const taskHooks: {
  /** What a task does with a value its coroutine yielded. */
  handleYield: (task: Task<unknown>, yielded: unknown) => void;
  /** `new Task` with `eagerStart`, its first step run after construction. */
  newEagerTask: (
    coro: Coroutine<unknown>,
    options: TaskConstructorOptions,
    loop: EventLoop,
  ) => Task<unknown>;
  /** Starts a task eagerly whose first step is still last in the queue. */
  eagerStartQueued: (task: Task<unknown>) => void;
} = {
  handleYield: notLoaded,
  newEagerTask: notLoaded,
  eagerStartQueued: notLoaded,
};

function notLoaded(): never {
  throw new Error("task.ts is not loaded");
}
