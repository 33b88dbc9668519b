// Context through native `await`: where the host has AsyncLocalStorage
// (Node, Deno, Bun), `fromAbortable` runs its function inside a copy of the
// task's context held by one AsyncLocalStorage, and context.ts reads that
// store when no task and no explicit context is current (the continuation
// of a native `await` runs outside any loop step). It is looked up on first
// use, through `process.getBuiltinModule`, so that browsers (which have no
// AsyncLocalStorage and give the continuation of an `await` no context at
// all) still load the module; until then nothing is read anywhere.

/** The part of AsyncLocalStorage used here. */
export interface ContextStore {
  getStore(): unknown;
  run<R>(store: unknown, fn: () => R): R;
}

/** The store, once looked up and found (read by context.ts). */
export const hostContext: { store: ContextStore | null } = { store: null };

let looked = false;

/** The host's AsyncLocalStorage (one instance), or `null` where it has none. */
export function hostContextStore(): ContextStore | null {
  if (looked) return hostContext.store;
  looked = true;
  try {
    const proc = (globalThis as {
      process?: { getBuiltinModule?: (id: string) => unknown };
    }).process;
    const mod = proc?.getBuiltinModule?.("node:async_hooks") as
      | { AsyncLocalStorage?: new () => ContextStore }
      | undefined;
    const Als = mod?.AsyncLocalStorage;
    if (typeof Als === "function") hostContext.store = new Als();
  } catch {
    // No such module: not available on this host.
  }
  return hostContext.store;
}
