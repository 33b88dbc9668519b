// The loop's exception handler machinery (asyncio's
// call_exception_handler and default_exception_handler): which handler
// runs, in which context, what happens when it fails, and how the default
// one formats a report. EventLoop's methods of the same names call these.

import { enterContext, exitContext, isEntered } from "./_context_state.ts";
import { describe } from "./_describe.ts";
import { KeyboardInterrupt } from "./_errors.ts";
import type { Future } from "./future.ts";
import type { Handle } from "./_handle.ts";
import type { EventLoop } from "./loop.ts";
import { Task } from "./task.ts";
import { badType } from "./_validate.ts";

/**
 * Logs when the default exception handler itself failed. If even
 * `console.error` throws, there is nowhere left to report to; the loop must
 * go on all the same, so that error is dropped.
 */
function lastResortLog(message: string, error: unknown): void {
  try {
    console.error(message, error);
  } catch {
    // nothing left to report with
  }
}

/** What the loop passes to its exception handler. */
export interface ExceptionContext {
  /** What went wrong, in words. */
  message: string;
  /** The error, if there is one. */
  exception?: unknown;
  /** The future involved, if any. */
  future?: Future<unknown>;
  /** The task involved, if any. */
  task?: Task<unknown>;
  /** The handle whose callback failed, if any. */
  handle?: Handle;
  /** Where the object involved was created (debug mode). */
  sourceTraceback?: string;
  /** Other keys, as asyncio's context dict may carry. */
  [key: string]: unknown;
}

/** A loop's exception handler: `(loop, context) => void`. */
export type ExceptionHandler = (
  loop: EventLoop,
  context: ExceptionContext,
) => void;

/** Checks `callExceptionHandler`'s and `defaultExceptionHandler`'s argument. */
export function checkExceptionContext(fn: string, context: unknown): void {
  if (context === null || typeof context !== "object") {
    throw badType(
      fn,
      "context",
      "an object ({ message, exception?, … })",
      context,
    );
  }
}

/**
 * Reports `context`: to `handler`, else to the loop's default handler. A
 * handler that throws is itself reported by the default handler; if that
 * throws too, `console.error` is the last resort. A KeyboardInterrupt
 * always goes through (it stops the loop).
 */
export function callHandler(
  loop: EventLoop,
  handler: ExceptionHandler | null,
  context: ExceptionContext,
): void {
  checkExceptionContext("EventLoop.callExceptionHandler", context);
  if (handler === null) {
    try {
      loop.defaultExceptionHandler(context);
    } catch (e) {
      if (e instanceof KeyboardInterrupt) throw e;
      lastResortLog("Exception in default exception handler", e);
    }
    return;
  }
  // As asyncio 3.12: the handler runs in the context of the task or handle
  // involved, unless that context is entered already (reported from
  // inside it).
  const future = context.future;
  const ctx = context.task?.getContext() ??
    (future instanceof Task ? future.getContext() : undefined) ??
    context.handle?.getContext();
  const enter = ctx !== undefined && !isEntered(ctx);
  const prev = enter ? enterContext(ctx) : null;
  try {
    handler(loop, context);
  } catch (e) {
    if (e instanceof KeyboardInterrupt) throw e;
    try {
      loop.defaultExceptionHandler({
        message: "Unhandled error in exception handler",
        exception: e,
        context,
      });
    } catch (e2) {
      if (e2 instanceof KeyboardInterrupt) throw e2;
      lastResortLog(
        "Exception in default exception handler while handling an unexpected error in custom exception handler",
        e2,
      );
    }
  } finally {
    if (enter) exitContext(ctx, prev!);
  }
}

/**
 * The default handler's report: the message, the other keys sorted (a
 * creation stack in full), then the exception's stack.
 */
export function formatContext(context: ExceptionContext): string {
  const lines = [context.message || "Unhandled exception in event loop"];
  for (const key of Object.keys(context).sort()) {
    if (key === "message" || key === "exception") continue;
    const value = context[key];
    if (value === undefined) continue;
    if (key === "sourceTraceback") {
      lines.push(`Object created at (most recent call first):\n${value}`);
    } else {
      lines.push(`${key}: ${describe(value)}`);
    }
  }
  const exc = context.exception;
  if (exc !== undefined) {
    lines.push(exc instanceof Error && exc.stack ? exc.stack : describe(exc));
  }
  return lines.join("\n");
}
