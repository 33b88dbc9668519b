// V8 settles the layout of a class's objects at its 7th construction
// (in-object slack tracking): it keeps in the object as many fields as the
// class's live instances then use, judged by their hidden classes. A class
// made once per loop (the loop, its ready queue, its timer heap) can reach
// that construction just after a full collection took every earlier
// instance, as after `run()` returned and the next `run()` begins. Its
// objects then keep every field out of line for the rest of the process,
// and each read the step makes of the loop and its queue goes through one
// more pointer: warm W2 switches measured about a third slower after that.
// Holding the latest instance of such a class until its layout is settled
// keeps one alive at that moment; the hold is then dropped.

/** Constructions after which V8 has settled a class's object layout. */
const SETTLED_AFTER = 8;

interface Hold {
  made: number;
  latest: object | null;
}

const holds = new Map<object, Hold>();

/**
 * Keeps `instance` (a new instance of `cls`, usually `new.target`) alive
 * until `cls` has been constructed often enough for V8 to fix its layout.
 */
export function holdForLayout(cls: object, instance: object): void {
  let hold = holds.get(cls);
  if (hold === undefined) {
    hold = { made: 0, latest: null };
    holds.set(cls, hold);
  }
  if (hold.made >= SETTLED_AFTER) return;
  hold.latest = ++hold.made < SETTLED_AFTER ? instance : null;
}

/** @internal For tests: the instance held for `cls`, or `null`. */
export function heldForLayout(cls: object): object | null {
  return holds.get(cls)?.latest ?? null;
}
