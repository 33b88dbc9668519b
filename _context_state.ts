// The current context lives here, below context.ts, so that the loop and the
// task step can enter and leave a context without a closure or a
// `Context.run` call per step.
//
// A task step does not enter its context: while no context is entered
// explicitly (`contextState.current === null`), the current context is the
// context of the task whose step is running, found through the running loop.
// A task switch then costs no context bookkeeping at all.

import { type ContextSlot, runningState, type TaskCore } from "./_events.ts";

export type { ContextSlot };

/**
 * The context entered explicitly (by `Context.run` or a callback), or `null`
 * for "the running task's, else the root"; the root context (`null` only
 * before context.ts has loaded); and the context the library's own
 * bookkeeping callbacks run in: they read no context variables, so they need
 * no copy of the caller's context.
 */
export const contextState: {
  current: ContextSlot | null;
  root: ContextSlot;
  internal: ContextSlot;
} = {
  current: null,
  root: null as unknown as ContextSlot,
  internal: null as unknown as ContextSlot,
};

/** The task whose step is running, if any. */
export function runningTask(): TaskCore | null {
  const loop = runningState.loop;
  return loop === null ? null : loop._currentTask;
}

/** Whether `ctx` is entered: explicitly, or as the running task's context. */
export function isEntered(ctx: ContextSlot): boolean {
  return ctx._entered || ctx === runningTask()?._context;
}

/** Makes `ctx` current and returns what to restore with `exitContext`. */
export function enterContext(ctx: ContextSlot): ContextSlot | null {
  if (isEntered(ctx)) {
    throw new Error(`cannot enter context: ${ctx} is already entered`);
  }
  const prev = contextState.current;
  ctx._entered = true;
  contextState.current = ctx;
  return prev;
}

/** Undoes {@linkcode enterContext}. */
export function exitContext(ctx: ContextSlot, prev: ContextSlot | null): void {
  ctx._entered = false;
  contextState.current = prev;
}
