/**
 * The import graph between the library's own modules, and the checks of
 * ARCHITECTURE.md that hold it in shape:
 *
 * - every module has a layer (the table below, bottom-up), and imports at
 *   the value level only from lower layers (or its own, without cycles);
 * - an upward import is type-level and is `import type { EventLoop }` (for
 *   public signatures) and nothing else;
 * - no module holds more than 600 lines of code (comments, doc examples
 *   and blank lines not counted);
 * - every module opens with a comment that says what it owns.
 *
 * `deno run --allow-read scripts/imports.ts` prints the graph (each module,
 * its layer, and what it imports: values plain, types in brackets) and
 * exits non-zero when a check fails; `deno task test` runs it with
 * `--check` (the problems and a summary only).
 *
 * @module
 */

// Bottom-up. A module's layer number is its index here; modules of one
// layer may import each other (no cycles at the value level).
const LAYERS: string[][] = [
  // 0 leaves, and the seam (_events: the loop and task interfaces, the
  //   running-loop slot; it imports only `type EventLoop`)
  [
    "_errors.ts",
    "_describe.ts",
    "_debug_info.ts",
    "_host.ts",
    "_coro.ts",
    "_events.ts",
    "_host_context.ts",
    "_layout.ts",
  ],
  // 1 argument checks; the current-context slot; never-retrieved reports
  ["_validate.ts", "_context_state.ts", "_never_retrieved.ts"],
  // 2 context variables
  ["_context.ts"],
  // 3 handles, the packed future fields, the loop's containers
  [
    "_handle.ts",
    "_future_bits.ts",
    "_native_waits.ts",
    "_ready_queue.ts",
    "_timer_heap.ts",
    "_shuffle.ts",
  ],
  // 4 futures
  ["future.ts"],
  // 5 the yield protocol; the wait queue; sleeps; futures from awaitables
  [
    "_yield.ts",
    "_parking_lot.ts",
    "_sleep_timer.ts",
    "_awaitables.ts",
    "_awaited_by.ts",
  ],
  // 6 tasks
  ["task.ts"],
  // 7 the loop, and its parts: the exception handler machinery, the
  //   async generator registry
  ["loop.ts", "_exceptions.ts", "_asyncgens.ts"],
  // 8 coroutine tools shared by the modules above
  ["_drive.ts"],
  // 9 library modules on top of tasks and the loop
  [
    "context.ts",
    "runner.ts",
    "eager.ts",
    "monitor.ts",
    "scheduling.ts",
    "timeouts.ts",
    "combinators.ts",
    "taskgroup.ts",
    "locks.ts",
    "queues.ts",
    "interop.ts",
    "testing.ts",
    "graph.ts",
  ],
  // 10 experimental: built on those
  ["_interrupt.ts", "_priority.ts", "experimental.ts"],
  // 11 the entry point
  ["mod.ts"],
];

const MAX_CODE_LINES = 600;

interface Edge {
  from: string;
  to: string;
  /** Type-level only (`import type`, or every name marked `type`). */
  typeOnly: boolean;
  /** The names imported. */
  names: string[];
}

const root = new URL("../", import.meta.url);
const layerOf = new Map<string, number>();
LAYERS.forEach((files, i) => files.forEach((f) => layerOf.set(f, i)));

const files: string[] = [];
for (const entry of Deno.readDirSync(root)) {
  if (entry.isFile && entry.name.endsWith(".ts")) files.push(entry.name);
}
files.sort((a, b) =>
  (layerOf.get(a) ?? 99) - (layerOf.get(b) ?? 99) ||
  a.localeCompare(b)
);

const problems: string[] = [];
const edges: Edge[] = [];
const sources = new Map<string, string>();

const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*"\.\/([^"]+\.ts)"/g;
const SIDE_EFFECT = /(?:^|\n)\s*import\s*"\.\/([^"]+\.ts)"/g;

for (const file of files) {
  const text = Deno.readTextFileSync(new URL(file, root));
  sources.set(file, text);
  if (!layerOf.has(file)) {
    problems.push(`${file}: not in the layer table of scripts/imports.ts`);
  }
  for (const m of text.matchAll(IMPORT)) {
    const [, , typeKw, clause, to] = m;
    const inner = clause.replace(/^[^{]*\{/, "").replace(/\}[^}]*$/, "");
    const names = clause.includes("{")
      ? inner.split(",").map((s) => s.trim()).filter((s) => s !== "")
      : [clause.trim()];
    const typeOnly = typeKw !== undefined ||
      (clause.includes("{") && !/^\s*\w+\s*,/.test(clause) &&
        names.every((n) => n.startsWith("type ")));
    edges.push({
      from: file,
      to,
      typeOnly,
      names: names.map((n) =>
        n.replace(/^type\s+/, "").replace(/\s+as\s+.*/, "")
      ),
    });
  }
  for (const m of text.matchAll(SIDE_EFFECT)) {
    edges.push({ from: file, to: m[1], typeOnly: false, names: [] });
  }
}

// The layering rule.
for (const e of edges) {
  const a = layerOf.get(e.from);
  const b = layerOf.get(e.to);
  if (a === undefined || b === undefined) continue;
  if (b <= a) continue;
  const eventLoopOnly = e.to === "loop.ts" && e.typeOnly &&
    e.names.length === 1 && e.names[0] === "EventLoop";
  if (!eventLoopOnly) {
    problems.push(
      `${e.from} (layer ${a}) imports ${e.typeOnly ? "types" : "values"} {${
        e.names.join(", ")
      }} from ${e.to} (layer ${b}): upward`,
    );
  }
}

// No cycles at the value level.
const valueDeps = new Map<string, string[]>();
for (const e of edges) {
  if (e.typeOnly) continue;
  const list = valueDeps.get(e.from) ?? [];
  list.push(e.to);
  valueDeps.set(e.from, list);
}
const state = new Map<string, number>(); // 1 visiting, 2 done
function visit(f: string, path: string[]): void {
  const s = state.get(f);
  if (s === 2) return;
  if (s === 1) {
    problems.push(`value import cycle: ${[...path, f].join(" -> ")}`);
    return;
  }
  state.set(f, 1);
  for (const to of valueDeps.get(f) ?? []) visit(to, [...path, f]);
  state.set(f, 2);
}
for (const f of files) visit(f, []);

/** Lines of code: no blank lines, no comments (doc examples included). */
function codeLines(text: string): number {
  const stripped = text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.trim().startsWith("//"));
  return stripped.length;
}

const quiet = Deno.args.includes("--check");
if (!quiet) {
  console.log("layer  module               code  imports (values; [types])");
}
for (const file of files) {
  const text = sources.get(file)!;
  const n = codeLines(text);
  if (n > MAX_CODE_LINES) {
    problems.push(`${file}: ${n} lines of code (at most ${MAX_CODE_LINES})`);
  }
  const first = text.trimStart();
  if (!first.startsWith("//") && !first.startsWith("/**")) {
    problems.push(`${file}: no opening comment saying what it owns`);
  }
  const out = edges.filter((e) => e.from === file);
  const values = [...new Set(out.filter((e) => !e.typeOnly).map((e) => e.to))];
  const types = [
    ...new Set(
      out.filter((e) => e.typeOnly && !values.includes(e.to)).map((e) => e.to),
    ),
  ];
  const list = values.map((t) => t.replace(/\.ts$/, "")).join(", ") +
    (types.length > 0
      ? ` [${types.map((t) => t.replace(/\.ts$/, "")).join(", ")}]`
      : "");
  if (quiet) continue;
  console.log(
    `${String(layerOf.get(file) ?? "?").padStart(5)}  ${file.padEnd(20)} ${
      String(n).padStart(5)
    }  ${list}`,
  );
}

if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):`);
  for (const p of problems) console.error(`  ${p}`);
  Deno.exit(1);
}
console.log(
  `${
    quiet ? "" : "\n"
  }imports: layering, size and opening comments ok (${files.length} modules)`,
);
