/**
 * Call-graph introspection, after Python 3.14's `asyncio.graph`:
 * {@linkcode captureCallGraph}, {@linkcode formatCallGraph} and
 * {@linkcode printCallGraph} show a future and, upwards, who awaits it;
 * {@linkcode formatTaskTree} shows every task of a loop as a tree from the
 * root tasks down (as `python -m asyncio pstree` prints, without frames),
 * with what each one waits on now.
 *
 * "Awaited by" follows 3.14: a task waiting on a future or a task awaits
 * it; the children of `gather` and `shield` are awaited by the calling
 * task, the children of a `TaskGroup` by its parent task, and the futures
 * `wait`, `asCompleted` and `waitFor` watch by the task that waits. Each
 * such record is removed when the wait ends.
 *
 * JS cannot read a suspended generator's frames, nor a generator object's
 * function name, so a {@linkcode CallStackEntry} holds what can be known:
 * one entry per task, for its coroutine, and in debug mode where the task
 * was created (the first stack frame outside this library).
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { captureCallGraph, formatCallGraph } from "@x/runner/graph";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   let inner = "";
 *   const child = createTask((function* () {
 *     yield* sleep(1);
 *     inner = formatCallGraph();
 *   })(), { name: "child" });
 *   yield* child;
 *   assert.match(inner, /^\* Task\(name='child', id=0x[0-9a-f]+\)/);
 *   assert.match(inner, /\+ Awaited by:\n {4}\* Task\(name='Task-\d+'/);
 *   assert.equal(captureCallGraph()!.awaitedBy.length, 0);
 * })());
 * ```
 *
 * @module
 */

import { recordedAwaitedBy, waitLabels } from "./_awaited_by.ts";
import { sourceTracebacks } from "./_debug_info.ts";
import { describe } from "./_describe.ts";
import { runningState } from "./_events.ts";
import { Future } from "./future.ts";
import { PENDING } from "./_future_bits.ts";
import type { EventLoop } from "./loop.ts";
import { Task } from "./task.ts";

/**
 * One entry of a call stack: what can be known of a coroutine in JS.
 */
export interface CallStackEntry {
  /**
   * The coroutine's name: its own `name` property or its class name when
   * it has one; plain generator objects do not tell their function's name,
   * so those read `"<generator>"`.
   */
  readonly name: string;
  /** Where the task was created (`file:line:column`), in debug mode. */
  readonly location?: string;
}

/** A future, its call stack, and the graphs of those awaiting it. */
export interface FutureCallGraph {
  /** The future or task. */
  readonly future: Future<unknown>;
  /** Its call stack (one entry for a task's coroutine; none for a future). */
  readonly callStack: readonly CallStackEntry[];
  /** The graphs of the futures and tasks that await it. */
  readonly awaitedBy: readonly FutureCallGraph[];
}

/** Options of {@linkcode captureCallGraph} and friends (as in 3.14). */
export interface CallGraphOptions {
  /**
   * How many entries to drop from the top of the current task's call
   * stack, counting the caller as 1 (3.14's `depth`); 1 by default.
   */
  depth?: number;
  /**
   * At most this many call stack entries per future: a positive limit keeps
   * the innermost ones, a negative one the outermost ones, 0 none.
   */
  limit?: number;
}

/**
 * The call graph of `future` (by default the current task): the future,
 * its call stack, and recursively who awaits it.
 *
 * @param future The future or task (default: the current task).
 * @param options `depth`, `limit`.
 * @returns The graph, or `null` with no future given and no current task.
 * @throws {TypeError} When `future` is not a Future, or an option is not an
 * integer.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { captureCallGraph } from "@x/runner/graph";
 * import assert from "node:assert/strict";
 *
 * assert.equal(captureCallGraph(), null); // no task
 * await run((function* () {
 *   const t = createTask(sleep(10), { name: "sleeper" });
 *   yield* sleep(1);
 *   const g = captureCallGraph(t)!;
 *   assert.equal(g.future, t);
 *   assert.equal(g.awaitedBy.length, 0);
 *   yield* t;
 * })());
 * ```
 */
export function captureCallGraph(
  future?: Future<unknown>,
  options?: CallGraphOptions,
): FutureCallGraph | null {
  const depth = intOption(options?.depth, "depth", 1);
  const limit = options?.limit === undefined
    ? undefined
    : intOption(options.limit, "limit", 0);
  let fut: Future<unknown> | null;
  if (future === undefined) {
    fut = runningState.loop?._currentTask ?? null;
    if (fut === null) return null;
  } else {
    if (!(future instanceof Future)) {
      throw new TypeError(
        `captureCallGraph() expects a Future or a Task, got ${
          describe(future)
        }`,
      );
    }
    fut = future;
  }
  const index = new WaiterIndex(fut.getLoop());
  const current = fut === runningState.loop?._currentTask;
  return build(fut, index, new Set(), limit, current ? depth - 1 : 0);
}

/**
 * The call graph of `future` (by default the current task) as text, in
 * 3.14's `format_call_graph` layout:
 *
 * ```text
 * * Task(name='play', id=0x3)
 *   + Call stack:
 *   |   coroutine <generator>()
 *   + Awaited by:
 *       * Task(name='album', id=0x2)
 *         ...
 * ```
 *
 * Ids are small numbers given to futures as the graph first meets them.
 *
 * @param future The future or task (default: the current task).
 * @param options `depth`, `limit`.
 * @returns The text, or `""` with no future given and no current task.
 *
 * @example
 * ```ts
 * import { formatCallGraph } from "@x/runner/graph";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatCallGraph(), "");
 * ```
 */
export function formatCallGraph(
  future?: Future<unknown>,
  options?: CallGraphOptions,
): string {
  const graph = captureCallGraph(future, options);
  if (graph === null) return "";
  const lines: string[] = [];
  render(graph, lines, 0);
  return lines.join("\n");
}

/**
 * Writes {@linkcode formatCallGraph}'s text with `console.log` (nothing with
 * no future given and no current task).
 *
 * @param future The future or task (default: the current task).
 * @param options `depth`, `limit`.
 *
 * @example
 * ```ts
 * import { run } from "@x/runner";
 * import { printCallGraph } from "@x/runner/graph";
 *
 * await run((function* () {
 *   printCallGraph(); // * Task(name='Task-1', id=0x1) ...
 * })());
 * ```
 */
export function printCallGraph(
  future?: Future<unknown>,
  options?: CallGraphOptions,
): void {
  const text = formatCallGraph(future, options);
  if (text !== "") console.log(text);
}

/**
 * Every pending task of `loop` as a tree from the root tasks down: each
 * task under the tasks that await it (a task awaited by two tasks appears
 * under both). Each line gives the task's name, its state and what it
 * waits on now: a sleep and its remaining milliseconds, a task, a gather,
 * a TaskGroup, a lock, a queue, a future. Cheap enough for a signal
 * handler or an HTTP debug route (one pass over the tasks and timers).
 *
 * ```text
 * └── (T) Task-1 [pending] waiting on <TaskGroup tasks=2 entered>
 *     ├── (T) Sundowning [pending] waiting on <TaskGroup tasks=2 entered>
 *     │   ├── (T) TNDNBTG [pending] sleeping, 3599990 ms left
 * ```
 *
 * @param loop The loop (default: the running loop; from host code pass it).
 * @returns The tree, `""` when the loop has no pending task.
 * @throws {Error} `no running event loop` when none is given or running.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { formatTaskTree } from "@x/runner/graph";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const t = createTask(sleep(1000), { name: "nap" });
 *   yield* sleep(0);
 *   const tree = formatTaskTree();
 *   assert.match(tree, /\(T\) Task-\d+ \[pending\] running/);
 *   assert.match(tree, /^[└├]── \(T\) nap \[pending\] sleeping, \d+ ms left$/m);
 *   t.cancel();
 * })());
 * ```
 */
export function formatTaskTree(loop?: EventLoop): string {
  const l = loop ?? runningState.loop;
  if (l === null || l === undefined) throw new Error("no running event loop");
  const index = new WaiterIndex(l);
  const tasks = index.tasks;
  // Children of a task: the tasks it awaits.
  const children = new Map<Task<unknown>, Task<unknown>[]>();
  const roots: Task<unknown>[] = [];
  for (const t of tasks) {
    let parents = 0;
    for (const w of index.waitersOf(t)) {
      if (!(w instanceof Task) || w._state !== PENDING) continue;
      parents++;
      let list = children.get(w);
      if (list === undefined) children.set(w, list = []);
      list.push(t);
    }
    if (parents === 0) roots.push(t);
  }
  const lines: string[] = [];
  const now = l.time();
  const walk = (
    t: Task<unknown>,
    prefix: string,
    last: boolean,
    path: Set<Task<unknown>>,
  ): void => {
    const cycle = path.has(t) ? " (cycle)" : "";
    lines.push(
      `${prefix}${last ? "└── " : "├── "}(T) ${t.getName()} ${
        status(t, now)
      }${cycle}`,
    );
    if (cycle) return;
    shown.add(t);
    const kids = children.get(t) ?? [];
    path.add(t);
    const next = prefix + (last ? "    " : "│   ");
    kids.forEach((k, i) => walk(k, next, i === kids.length - 1, path));
    path.delete(t);
  };
  const shown = new Set<Task<unknown>>();
  roots.forEach((r, i) => walk(r, "", i === roots.length - 1, new Set()));
  // Tasks that only await each other in a cycle have no root: show them too.
  for (const t of tasks) if (!shown.has(t)) walk(t, "", true, new Set());
  return lines.join("\n");
}

// ---- internals -------------------------------------------------------

/** Pending tasks of a loop, oldest first, and who waits on what. */
class WaiterIndex {
  tasks: Task<unknown>[] = [];
  /** Future (or parking lot) → the tasks whose `_futWaiter` it is. */
  byFuture = new Map<object, Task<unknown>[]>();
  constructor(loop: EventLoop) {
    for (let t = loop._taskHead; t !== null; t = t._nextTask) {
      this.tasks.push(t);
      const w = t._futWaiter;
      if (w !== null) {
        const list = this.byFuture.get(w);
        if (list === undefined) this.byFuture.set(w, [t]);
        else list.push(t);
      }
    }
    this.tasks.reverse(); // the loop's list is newest first
    for (const list of this.byFuture.values()) list.reverse();
  }
  /** Who awaits `fut`: tasks waiting on it, then the recorded waiters. */
  waitersOf(fut: Future<unknown>): Future<unknown>[] {
    const out: Future<unknown>[] = [...(this.byFuture.get(fut) ?? [])];
    for (const w of recordedAwaitedBy(fut)) {
      if (!out.includes(w)) out.push(w);
    }
    return out;
  }
}

function build(
  fut: Future<unknown>,
  index: WaiterIndex,
  path: Set<Future<unknown>>,
  limit: number | undefined,
  skip: number,
): FutureCallGraph {
  let stack: CallStackEntry[] = fut instanceof Task ? [entryOf(fut)] : [];
  if (skip > 0) stack = stack.slice(skip);
  if (limit !== undefined) {
    stack = limit >= 0 ? stack.slice(0, limit) : stack.slice(limit);
  }
  path.add(fut);
  const awaitedBy: FutureCallGraph[] = [];
  for (const w of index.waitersOf(fut)) {
    if (!path.has(w)) awaitedBy.push(build(w, index, path, limit, 0));
  }
  path.delete(fut);
  return { future: fut, callStack: stack, awaitedBy };
}

function entryOf(task: Task<unknown>): CallStackEntry {
  const coro = task.getCoro() as unknown as {
    name?: unknown;
    constructor?: { name?: unknown };
  };
  let name = "<generator>";
  if (typeof coro.name === "string" && coro.name !== "") name = coro.name;
  else if (
    typeof coro.constructor === "function" &&
    typeof coro.constructor.name === "string" && coro.constructor.name !== ""
  ) name = coro.constructor.name;
  const location = creationSite(sourceTracebacks.get(task));
  return location === undefined ? { name } : { name, location };
}

// The library's own files: frames there are skipped for `location`.
const LIB_DIR = import.meta.url.replace(/[^/]*$/, "");

function creationSite(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  for (const line of stack.split("\n")) {
    // URLs (Deno, Node ESM) or absolute paths (Bun).
    const m = /\(?((?:(?:file|https?|jsr|npm):|\/)[^\s()]+:\d+:\d+)\)?\s*$/
      .exec(
        line.trim(),
      );
    if (m === null) continue;
    const site = m[1];
    const path = site.replace(/:\d+:\d+$/, "");
    const file = path.startsWith("/") ? `file://${path}` : path;
    const inLib = file.startsWith(LIB_DIR) &&
      !file.slice(LIB_DIR.length).includes("/");
    if (!inLib) return site;
  }
  return undefined;
}

// Small ids for futures, as Python prints id(): stable per object.
const ids = new WeakMap<object, number>();
let nextId = 1;
function idOf(x: object): string {
  let id = ids.get(x);
  if (id === undefined) ids.set(x, id = nextId++);
  return `0x${id.toString(16)}`;
}

function render(g: FutureCallGraph, lines: string[], level: number): void {
  const pad = "    ".repeat(level);
  const f = g.future;
  lines.push(
    f instanceof Task
      ? `${pad}* Task(name='${f.getName()}', id=${idOf(f)})`
      : `${pad}* Future(id=${idOf(f)})`,
  );
  if (g.callStack.length > 0) {
    lines.push(`${pad}  + Call stack:`);
    for (const e of g.callStack) {
      lines.push(
        e.location === undefined
          ? `${pad}  |   coroutine ${e.name}()`
          : `${pad}  |   File '${e.location}', in coroutine ${e.name}()`,
      );
    }
  }
  if (g.awaitedBy.length > 0) {
    lines.push(`${pad}  + Awaited by:`);
    for (const w of g.awaitedBy) render(w, lines, level + 1);
  }
}

/** `[state] what it waits on`, for formatTaskTree. */
function status(t: Task<unknown>, now: number): string {
  const state = t.cancelling() > 0 ? "cancelling" : "pending";
  const w = t._futWaiter;
  const loop = t._loop;
  if (loop._currentTask === t) return `[${state}] running`;
  if (w === null) return `[${state}] ready`;
  if (w._state !== PENDING) return `[${state}] ready (woken by ${w})`;
  return `[${state}] ${waitingOn(w, loop, now)}`;
}

function waitingOn(
  w: { readonly _state: number },
  loop: EventLoop,
  now: number,
): string {
  if (w instanceof Task) return `awaiting Task '${w.getName()}'`;
  const label = waitLabels.get(w);
  if (label !== undefined) return `waiting on ${describe(label)}`;
  // gather's future keeps its children (task.ts's GatheringFuture).
  const kids = (w as unknown as { _children?: unknown })._children;
  if (Array.isArray(kids)) {
    const done = kids.filter((k: Future<unknown>) => k._state !== PENDING);
    return `waiting on gather (${done.length} of ${kids.length} done)`;
  }
  // sleep(): the task waits on the sleep's own timer entry.
  const when = (w as { _when?: unknown })._when;
  if (!(w instanceof Future) && typeof when === "number") {
    return `sleeping, ${Math.max(0, Math.round(when - now))} ms left`;
  }
  // A future a timer resolves (callLater(ms, …, [future, …])).
  for (const h of loop._timers._items) {
    const arg = (h as { _arg?: unknown })._arg;
    if (!h._cancelled && Array.isArray(arg) && arg[0] === w) {
      return `sleeping, ${Math.max(0, Math.round(h._when - now))} ms left`;
    }
  }
  return `waiting on ${describe(w)}`;
}

function intOption(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(
      `captureCallGraph() expects options.${name} to be an integer, got ${
        describe(v)
      }`,
    );
  }
  return v;
}
