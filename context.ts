/**
 * Context variables, as Python's `contextvars`: a {@linkcode ContextVar}
 * holds one value per {@linkcode Context}; every task runs in its own copy of
 * the context that created it, so a value set inside a task follows that task
 * across its suspensions and is invisible to its parent.
 *
 * Copying a context is O(1): contexts share their storage until one of them
 * is written (copy-on-write).
 *
 * @example Values follow the context they were set in
 * ```ts
 * import { ContextVar, copyContext } from "@x/runner/context";
 * import assert from "node:assert/strict";
 *
 * const user = new ContextVar<string>("user", { default: "anonymous" });
 * const ctx = copyContext();
 * ctx.run(() => user.set("ada"));
 * assert.equal(user.get(), "anonymous");
 * assert.equal(ctx.get(user), "ada");
 * ```
 *
 * @module
 */

export {
  Context,
  ContextVar,
  type ContextVarOptions,
  copyContext,
  getCurrentContext,
  LookupError,
  Token,
} from "./_context.ts";
