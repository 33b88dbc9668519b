// Debug-mode records kept off the hot objects: where a future, task or
// handle was created, and what a cancelled handle's callback was. A side
// table costs nothing for objects that have none (the usual case).

/** Creation stacks of futures, tasks and handles made in debug mode. */
export const sourceTracebacks: WeakMap<object, string> = new WeakMap();

/** Where the caller of the caller was, for `sourceTracebacks`. */
export function captureStack(): string {
  return new Error().stack?.split("\n").slice(3).join("\n") ?? "";
}
