// Reporting a failure nobody retrieved, once: when its future is collected
// (a FinalizationRegistry), or at the latest when its loop closes. The loop
// keeps each record in `_unretrieved` until it is retrieved or reported, so
// closing the loop reports what is left at once, and a record no longer
// there is not reported at all. (No unregister token: the engine's token
// table would grow with every failure.)

import { describe } from "./_describe.ts";
import type { NeverRetrieved } from "./_events.ts";

const registry = new FinalizationRegistry<NeverRetrieved>(
  reportNeverRetrieved,
);

/**
 * Watches `target` (a failed future): when it is collected, `held` is
 * reported unless it was retrieved first.
 */
export function watchUnretrieved(target: object, held: NeverRetrieved): void {
  held.loop._unretrieved.add(held);
  registry.register(target, held);
}

/**
 * Reports `held` once, from the registry or from `loop.close()`, unless it
 * was retrieved.
 */
export function reportNeverRetrieved(held: NeverRetrieved): void {
  const loop = held.loop;
  if (!loop._unretrieved.delete(held)) return;
  const name = held.name;
  const what = name === null
    ? ""
    : ` name='${typeof name === "number" ? `Task-${name}` : name}'`;
  loop.callExceptionHandler({
    message: `${held.kind} exception was never retrieved`,
    exception: held.exception,
    description: `<${held.kind} finished${what} exception=${
      describe(held.exception)
    }>`,
    sourceTraceback: held.sourceTraceback,
  });
}
