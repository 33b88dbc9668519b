// Task internals that other drivers need, registered by task.ts at load so
// that they stay out of task.ts's public exports.

import type { Task } from "./task.ts";

/** Filled in by task.ts. */
export const taskHooks: {
  /** What a task does with a value its coroutine yielded. */
  handleYield: (task: Task<unknown>, yielded: unknown) => void;
} = {
  handleYield: () => {
    throw new Error("task.ts is not loaded");
  },
};
