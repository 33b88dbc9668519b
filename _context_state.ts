// The current context lives here, below context.ts, so that the loop and the
// task step can enter and leave a context without a closure or a
// `Context.run` call per step.

/** The fields of a Context that entering and leaving touch. */
export interface ContextSlot {
  _entered: boolean;
}

/**
 * Which context is current (`null` only before context.ts has loaded), and
 * the context the library's own bookkeeping callbacks run in: they read no
 * context variables, so they need no copy of the caller's context.
 */
export const contextState: { current: ContextSlot; internal: ContextSlot } = {
  current: null as unknown as ContextSlot,
  internal: null as unknown as ContextSlot,
};

/** Makes `ctx` current and returns the context it replaced. */
export function enterContext(ctx: ContextSlot): ContextSlot {
  if (ctx._entered) {
    throw new Error(`cannot enter context: ${ctx} is already entered`);
  }
  const prev = contextState.current;
  ctx._entered = true;
  contextState.current = ctx;
  return prev;
}

/** Undoes {@linkcode enterContext}. */
export function exitContext(ctx: ContextSlot, prev: ContextSlot): void {
  ctx._entered = false;
  contextState.current = prev;
}
