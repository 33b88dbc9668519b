// Conformance tests for context.ts against CPython's contextvars (reference
// §5) and the ways asyncio uses contexts (handles, done callbacks, tasks,
// runners).
import assert from "node:assert/strict";
import {
  Context,
  ContextVar,
  copyContext,
  createTask,
  currentTask,
  type ExceptionContext,
  getCurrentContext,
  getRunningLoop,
  LookupError,
  Runner,
  sleep,
  type Task,
  Token,
} from "../mod.ts";
import { withLoop } from "./_util.ts";

// Each test makes its own variables, so writes to the process-wide context
// cannot leak between tests; tests that write heavily run inside a fresh
// Context anyway.

// ---------------------------------------------------------------------------
// ContextVar

Deno.test("ContextVar: name is kept; a non-string name is a TypeError", () => {
  assert.equal(new ContextVar("a").name, "a");
  assert.throws(
    () => new ContextVar(1 as unknown as string),
    { name: "TypeError", message: /context variable name must be a str/ },
  );
});

Deno.test("ContextVar: toString shows the name and the default", () => {
  assert.equal(String(new ContextVar("a")), "<ContextVar name='a'>");
  assert.equal(
    String(new ContextVar("a", { default: 1 })),
    "<ContextVar name='a' default=1>",
  );
});

Deno.test("ContextVar.get: no value, no fallback, no default is a LookupError", () => {
  const v = new ContextVar<number>("lonely");
  let caught: unknown;
  try {
    v.get();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof LookupError);
  assert.ok(caught instanceof Error);
  assert.equal((caught as Error).name, "LookupError");
  // Python's str(LookupError(var)) is the var's repr: ours names it too.
  assert.match((caught as Error).message, /<ContextVar name='lonely'>/);
});

Deno.test("ContextVar.get: precedence is context value, then fallback, then default", () => {
  new Context().run(() => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    assert.equal(v.get(), "dflt");
    assert.equal(v.get("fb"), "fb");
    v.set("val");
    assert.equal(v.get(), "val");
    assert.equal(v.get("fb"), "val");
  });
});

Deno.test("ContextVar.get: an explicit undefined fallback or default is honoured", () => {
  const noDefault = new ContextVar<number>("n");
  assert.equal(noDefault.get(undefined), undefined);
  const undefDefault = new ContextVar<number | undefined>("u", {
    default: undefined,
  });
  assert.equal(undefDefault.get(), undefined);
});

Deno.test("ContextVar.set: the token records the variable and the old value", () => {
  new Context().run(() => {
    const v = new ContextVar<number>("v", { default: 0 });
    const t1 = v.set(1);
    assert.equal(t1.var, v);
    // The default is not an old value: the variable was unset.
    assert.equal(t1.oldValue, Token.MISSING);
    const t2 = v.set(2);
    assert.equal(t2.oldValue, 1);
    assert.equal(v.get(), 2);
  });
});

Deno.test("Token.MISSING is a unique symbol", () => {
  assert.equal(typeof Token.MISSING, "symbol");
  assert.equal(String(Token.MISSING), "Symbol(Token.MISSING)");
});

Deno.test("Token: only ContextVars make tokens", () => {
  const Ctor = Token as unknown as new (...args: unknown[]) => unknown;
  assert.throws(
    () => new Ctor(Symbol("fake"), new Context(), new ContextVar("v"), 1),
    { message: "Token(): Tokens can only be created by ContextVars" },
  );
  assert.throws(() => new Ctor(), {
    message: "Token(): Tokens can only be created by ContextVars",
  });
});

Deno.test("Token: toString before and after use", () => {
  new Context().run(() => {
    const v = new ContextVar<number>("tv");
    const t = v.set(1);
    assert.equal(String(t), "<Token var=<ContextVar name='tv'>>");
    v.reset(t);
    assert.equal(String(t), "<Token used var=<ContextVar name='tv'>>");
  });
});

Deno.test("ContextVar.reset: restores the old value, or unsets for MISSING", () => {
  const ctx = new Context();
  const v = new ContextVar<string>("v", { default: "d" });
  ctx.run(() => {
    const t1 = v.set("a");
    const t2 = v.set("b");
    v.reset(t2);
    assert.equal(v.get(), "a");
    v.reset(t1);
    assert.equal(v.get(), "d");
    assert.equal(v.get("fb"), "fb");
  });
  assert.equal(ctx.has(v), false);
  assert.equal(ctx.size, 0);
});

Deno.test("ContextVar.reset: a token used twice is an Error", () => {
  new Context().run(() => {
    const v = new ContextVar<number>("once");
    const t = v.set(1);
    v.reset(t);
    assert.throws(() => v.reset(t), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.equal(
        (e as Error).message,
        "<Token used var=<ContextVar name='once'>> has already been used once",
      );
      return true;
    });
  });
});

Deno.test("ContextVar.reset: a token of another variable is a TypeError", () => {
  new Context().run(() => {
    const a = new ContextVar<number>("a");
    const b = new ContextVar<number>("b");
    const t = a.set(1);
    assert.throws(
      () => b.reset(t),
      { name: "TypeError", message: /was created by a different ContextVar$/ },
    );
    // The failed reset changed nothing and did not use the token.
    assert.equal(a.get(), 1);
    a.reset(t);
    assert.equal(a.get(0), 0);
  });
});

Deno.test("ContextVar.reset: a token from another context is a TypeError", () => {
  const v = new ContextVar<number>("v");
  const ctx1 = new Context();
  const ctx2 = new Context();
  const t = ctx1.run(() => v.set(1));
  ctx2.run(() => {
    assert.throws(
      () => v.reset(t),
      { name: "TypeError", message: /was created in a different Context$/ },
    );
  });
  // Still usable where it was made.
  ctx1.run(() => v.reset(t));
  assert.equal(ctx1.has(v), false);
});

Deno.test("ContextVar.reset: a token made in the original is foreign to a copy", () => {
  const v = new ContextVar<number>("v");
  const ctx = new Context();
  const t = ctx.run(() => v.set(1));
  const copy = ctx.copy();
  copy.run(() => {
    assert.throws(() => v.reset(t), /was created in a different Context/);
  });
});

Deno.test("ContextVar.reset: a non-token is a TypeError", () => {
  const v = new ContextVar<number>("v");
  assert.throws(
    () => v.reset({} as unknown as Token<number>),
    {
      name: "TypeError",
      message: /ContextVar.reset\(\): token must be a Token/,
    },
  );
});

Deno.test("ContextVar.reset: no LIFO enforcement (older token first)", () => {
  new Context().run(() => {
    const v = new ContextVar<number>("v", { default: 0 });
    const t1 = v.set(1);
    const t2 = v.set(2);
    v.reset(t1); // back to unset
    assert.equal(v.get(), 0);
    v.reset(t2); // t2's old value was 1
    assert.equal(v.get(), 1);
  });
});

Deno.test("Token with `using` resets at block end, also on throw", () => {
  new Context().run(() => {
    const v = new ContextVar<string>("v", { default: "outer" });
    {
      using _t = v.set("inner");
      assert.equal(v.get(), "inner");
    }
    assert.equal(v.get(), "outer");
    assert.throws(() => {
      using _t = v.set("inner");
      throw new Error("boom");
    }, /boom/);
    assert.equal(v.get(), "outer");
  });
});

Deno.test("Token with `using` after a manual reset does not throw", () => {
  new Context().run(() => {
    const v = new ContextVar<number>("v", { default: 0 });
    {
      using t = v.set(1);
      v.reset(t);
      v.set(5);
    }
    // Disposal skipped the used token: the later set survives.
    assert.equal(v.get(), 5);
  });
});

// ---------------------------------------------------------------------------
// Context

Deno.test("Context(): takes no arguments", () => {
  const Ctor = Context as unknown as new (...args: unknown[]) => Context;
  assert.throws(() => new Ctor({}), {
    name: "TypeError",
    message: "Context() does not accept any arguments",
  });
  assert.throws(() => new Ctor(undefined), {
    message: "Context() does not accept any arguments",
  });
});

Deno.test("Context(): empty; get ignores the variable's default", () => {
  const ctx = new Context();
  const v = new ContextVar("v", { default: 1 });
  assert.equal(ctx.size, 0);
  assert.equal(ctx.has(v), false);
  assert.equal(ctx.get(v), undefined);
  assert.deepEqual([...ctx.keys()], []);
  assert.deepEqual([...ctx], []);
  assert.equal(String(ctx), "<Context size=0>");
  // Inside it, get() falls back to the default.
  assert.equal(ctx.run(() => v.get()), 1);
});

Deno.test("Context.run: passes arguments, returns the result, restores the outer context", () => {
  const v = new ContextVar<string>("v", { default: "outer" });
  const ctx = new Context();
  const r = ctx.run(
    (a: number, b: string) => {
      v.set(b);
      return a * 2;
    },
    21,
    "inner",
  );
  assert.equal(r, 42);
  assert.equal(v.get(), "outer");
  assert.equal(ctx.get(v), "inner");
  assert.equal(ctx.run(() => v.get()), "inner");
});

Deno.test("Context.run: writes persist in the context even when fn throws", () => {
  const v = new ContextVar<number>("v", { default: 0 });
  const ctx = new Context();
  const err = new Error("fail");
  assert.throws(
    () =>
      ctx.run(() => {
        v.set(7);
        throw err;
      }),
    (e: unknown) => e === err,
  );
  assert.equal(ctx.get(v), 7);
  assert.equal(v.get(), 0);
  // The context was exited: it can be entered again.
  assert.equal(ctx.run(() => v.get()), 7);
});

Deno.test("Context.run: a non-function is a TypeError", () => {
  const ctx = new Context();
  assert.throws(
    () => ctx.run(42 as unknown as () => void),
    {
      name: "TypeError",
      message: "Context.run(): fn must be a function, got 42",
    },
  );
});

Deno.test("Context.run: re-entering an entered context is an Error", () => {
  const ctx = new Context();
  const v = new ContextVar<number>("v");
  ctx.run(() => {
    v.set(1);
    assert.throws(() => ctx.run(() => 0), {
      message: "cannot enter context: <Context size=1> is already entered",
    });
    // The failed enter left the current context alone.
    assert.equal(v.get(), 1);
    // Bound run as the callable, as in Python's ctx.run(ctx.run, f).
    assert.throws(
      () => ctx.run(ctx.run.bind(ctx), () => 0),
      /cannot enter context: .* is already entered/,
    );
  });
  // After exiting, entering works again.
  assert.equal(ctx.run(() => v.get()), 1);
});

Deno.test("Context.run: nested different contexts each see their own values", () => {
  const v = new ContextVar<string>("v", { default: "none" });
  const a = new Context();
  const b = new Context();
  a.run(() => v.set("a"));
  b.run(() => v.set("b"));
  const seen: string[] = [];
  a.run(() => {
    seen.push(v.get());
    b.run(() => {
      seen.push(v.get());
      v.set("b2");
    });
    seen.push(v.get());
  });
  seen.push(v.get());
  assert.deepEqual(seen, ["a", "b", "a", "none"]);
  assert.equal(b.get(v), "b2");
  assert.equal(a.get(v), "a");
});

Deno.test("Context: get/has/size/keys/values/entries/iterator", () => {
  const x = new ContextVar<number>("x");
  const y = new ContextVar<string | undefined>("y");
  const z = new ContextVar<number>("z", { default: 9 });
  const ctx = new Context();
  ctx.run(() => {
    x.set(1);
    y.set(undefined);
  });
  assert.equal(ctx.size, 2);
  assert.equal(ctx.get(x), 1);
  assert.equal(ctx.has(x), true);
  // A variable set to undefined is present.
  assert.equal(ctx.has(y), true);
  assert.equal(ctx.get(y), undefined);
  assert.equal(ctx.has(z), false);
  assert.deepEqual([...ctx.keys()], [x, y]);
  assert.deepEqual([...ctx.values()], [1, undefined]);
  assert.deepEqual([...ctx.entries()], [[x, 1], [y, undefined]]);
  assert.deepEqual([...ctx], [[x, 1], [y, undefined]]);
  const m = new Map(ctx);
  assert.equal(m.get(x), 1);
  assert.equal(String(ctx), "<Context size=2>");
});

Deno.test("Context.copy: same values, separate identity", () => {
  const v = new ContextVar<number>("v");
  const ctx = new Context();
  ctx.run(() => v.set(1));
  const c = ctx.copy();
  assert.notEqual(c, ctx);
  assert.ok(c instanceof Context);
  assert.equal(c.size, 1);
  assert.equal(c.get(v), 1);
  assert.deepEqual([...c], [...ctx]);
});

Deno.test("Context.copy: copy-on-write, a write in the copy stays there", () => {
  const v = new ContextVar<string>("v");
  const w = new ContextVar<string>("w");
  const orig = new Context();
  orig.run(() => v.set("o"));
  const copy = orig.copy();
  copy.run(() => {
    v.set("c");
    w.set("new");
  });
  assert.equal(orig.get(v), "o");
  assert.equal(orig.has(w), false);
  assert.equal(orig.size, 1);
  assert.equal(copy.get(v), "c");
  assert.equal(copy.get(w), "new");
  assert.equal(copy.size, 2);
});

Deno.test("Context.copy: copy-on-write, a write in the original stays there", () => {
  const v = new ContextVar<string>("v");
  const orig = new Context();
  orig.run(() => v.set("o"));
  const copy = orig.copy();
  const copy2 = copy.copy();
  orig.run(() => v.set("o2"));
  assert.equal(copy.get(v), "o");
  assert.equal(copy2.get(v), "o");
  // A reset in the original (to unset) does not remove it from copies.
  const t = orig.run(() => new ContextVar<number>("k").set(1));
  orig.run(() => t.var.reset(t));
  assert.equal(orig.get(v), "o2");
  copy2.run(() => v.set("c2"));
  assert.equal(copy.get(v), "o");
  assert.equal(copy2.get(v), "c2");
  assert.equal(orig.get(v), "o2");
});

Deno.test("copyContext: snapshots the current context", () => {
  const v = new ContextVar<string>("v", { default: "d" });
  new Context().run(() => {
    v.set("before");
    const snap = copyContext();
    v.set("after");
    assert.equal(snap.get(v), "before");
    assert.equal(snap.run(() => v.get()), "before");
    snap.run(() => v.set("snap"));
    assert.equal(v.get(), "after");
  });
  assert.equal(v.get(), "d");
});

Deno.test("copyContext: the copy is not the current context, so it can be entered", () => {
  new Context().run(() => {
    const v = new ContextVar<number>("v");
    const snap = copyContext();
    assert.equal(snap.run(() => v.set(1)).oldValue, Token.MISSING);
    assert.equal(v.get(-1), -1);
  });
});

// ---------------------------------------------------------------------------
// How asyncio uses contexts

Deno.test("Handle: context captured at callSoon time", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const seen: string[] = [];
    await new Context().run(() => {
      v.set("main");
      loop.callSoon(() => seen.push(v.get()));
      v.set("main2");
      loop.callSoon(() => seen.push(v.get()));
      v.set("main3"); // after both were scheduled
      return loop.runUntilComplete((function* () {
        yield* sleep(0);
      })());
    });
    assert.deepEqual(seen, ["main", "main2"]);
  });
});

Deno.test("Handle: an explicit Context sees the default and keeps writes", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const ctx = new Context();
    const seen: string[] = [];
    await new Context().run(() => {
      v.set("main");
      const h = loop.callSoon(() => {
        seen.push(v.get());
        v.set("cb");
      }, { context: ctx });
      assert.equal(h.getContext(), ctx);
      return loop.runUntilComplete(sleep(1));
    });
    assert.deepEqual(seen, ["dflt"]);
    assert.equal(ctx.get(v), "cb");
  });
});

Deno.test("Handle: a callback's writes do not leak into the scheduler's context", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const outer = new Context();
    let handleCtx: Context | undefined;
    await outer.run(() => {
      v.set("main");
      const h = loop.callSoon(() => v.set("cb"));
      handleCtx = h.getContext();
      return loop.runUntilComplete(sleep(1));
    });
    assert.equal(outer.get(v), "main");
    assert.notEqual(handleCtx, outer);
    assert.equal(handleCtx!.get(v), "cb");
  });
});

Deno.test("TimerHandle: context captured at callLater time", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const seen: string[] = [];
    await new Context().run(() => {
      v.set("first");
      loop.callLater(2, () => seen.push(v.get()));
      v.set("second");
      loop.callLater(1, () => seen.push(v.get()));
      v.set("third");
      return loop.runUntilComplete(sleep(10));
    });
    assert.deepEqual(seen, ["second", "first"]);
  });
});

Deno.test("Task: the child sees the parent's values at creation; its writes are invisible to the parent", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const log: string[] = [];
    await loop.runUntilComplete((function* () {
      v.set("main");
      const child = createTask((function* () {
        log.push(`child start ${v.get()}`);
        v.set("child");
        yield* sleep(1);
        // The write persisted across the suspension.
        log.push(`child after sleep ${v.get()}`);
      })());
      v.set("main-later"); // after the child's context was copied
      yield* child;
      log.push(`parent ${v.get()}`);
    })());
    assert.deepEqual(log, [
      "child start main",
      "child after sleep child",
      "parent main-later",
    ]);
  });
});

Deno.test("Task: getContext() before the first step is the context the task then writes in", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    await loop.runUntilComplete((function* () {
      v.set("main");
      const t = createTask((function* () {
        assert.equal(v.get(), "main");
        v.set("child");
        yield* sleep(0);
      })());
      const before = t.getContext();
      assert.equal(before.get(v), "main");
      yield* t;
      assert.equal(t.getContext(), before);
      assert.equal(before.get(v), "child");
      assert.equal(v.get(), "main");
    })());
  });
});

Deno.test("Task: tasks that never write share a snapshot that later writes never reach", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<number>("v", { default: 0 });
    const log: string[] = [];
    await loop.runUntilComplete((function* () {
      v.set(1);
      const child = createTask((function* () {
        const grandchild = createTask((function* () {
          log.push(`grandchild ${v.get()}`);
          yield* sleep(1);
          log.push(`grandchild later ${v.get()}`);
        })());
        yield* sleep(0);
        v.set(3); // the child's first write: its own copy
        log.push(`child ${v.get()}`);
        yield* grandchild;
      })());
      v.set(2); // the parent's write after the snapshot
      yield* child;
      log.push(`parent ${v.get()}`);
    })());
    assert.deepEqual(log, [
      "grandchild 1",
      "child 3",
      "grandchild later 1",
      "parent 2",
    ]);
  });
});

Deno.test("Task: copyContext() in a task that never wrote is a copy", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<number>("v", { default: 0 });
    await loop.runUntilComplete((function* () {
      v.set(1);
      yield* createTask((function* () {
        const copy = copyContext();
        copy.run(() => v.set(5));
        assert.equal(copy.get(v), 5);
        assert.equal(v.get(), 1);
        yield* sleep(0);
        assert.equal(v.get(), 1);
      })());
      assert.equal(v.get(), 1);
    })());
  });
});

Deno.test("Task: default context is a fresh copy per task", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<number>("v", { default: 0 });
    await loop.runUntilComplete((function* () {
      v.set(1);
      const a = createTask((function* () {
        v.set(10);
        yield* sleep(0);
      })());
      const b = createTask((function* () {
        v.set(20);
        yield* sleep(0);
      })());
      assert.notEqual(a.getContext(), b.getContext());
      yield* a;
      yield* b;
      assert.equal(a.getContext().get(v), 10);
      assert.equal(b.getContext().get(v), 20);
      assert.equal(v.get(), 1);
    })());
  });
});

Deno.test("Task: an explicit Context sees the default and keeps the child's write", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const ctx = new Context();
    let seen = "";
    await loop.runUntilComplete((function* () {
      v.set("main");
      const t = createTask(
        (function* () {
          seen = v.get();
          v.set("child");
          yield* sleep(0);
        })(),
        { context: ctx },
      );
      assert.equal(t.getContext(), ctx);
      yield* t;
      assert.equal(v.get(), "main");
    })());
    assert.equal(seen, "dflt");
    assert.equal(ctx.get(v), "child");
  });
});

Deno.test("Task: two tasks may share one Context", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<number>("v", { default: 0 });
    const ctx = new Context();
    const log: string[] = [];
    await loop.runUntilComplete((function* () {
      const a = createTask(
        (function* () {
          v.set(1);
          yield* sleep(0);
          log.push(`a sees ${v.get()}`);
          v.set(3);
        })(),
        { context: ctx },
      );
      const b = createTask(
        (function* () {
          log.push(`b sees ${v.get()}`);
          v.set(2);
          yield* sleep(0);
          yield* sleep(0);
          log.push(`b sees ${v.get()}`);
        })(),
        { context: ctx },
      );
      yield* a;
      yield* b;
    })());
    assert.deepEqual(log, ["b sees 1", "a sees 2", "b sees 3"]);
    assert.equal(ctx.get(v), 3);
  });
});

Deno.test("Task: entering its own context synchronously is an Error", async () => {
  await withLoop(async (loop) => {
    let message = "";
    await loop.runUntilComplete((function* () {
      const t = createTask((function* () {
        try {
          currentTask()!.getContext().run(() => 0);
        } catch (e) {
          message = (e as Error).message;
        }
        yield* sleep(0);
      })());
      yield* t;
    })());
    assert.match(message, /^cannot enter context: .* is already entered$/);
  });
});

Deno.test("Task: its context stays entered under a nested Context.run", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const other = new Context();
    const seen: unknown[] = [];
    await loop.runUntilComplete((function* () {
      v.set("task");
      const mine = currentTask()!.getContext();
      other.run(() => {
        seen.push(v.get());
        try {
          mine.run(() => 0);
        } catch (e) {
          seen.push((e as Error).message);
        }
      });
      seen.push(v.get());
      yield* sleep(0);
      seen.push(v.get());
    })());
    assert.equal(seen[0], "dflt");
    assert.match(
      String(seen[1]),
      /^cannot enter context: .* is already entered$/,
    );
    assert.deepEqual(seen.slice(2), ["task", "task"]);
  });
});

Deno.test("Task: a step while its context is entered elsewhere is reported, not run", async () => {
  const ctx = new Context();
  const runner = new Runner();
  let t: Task<void> | null = null;
  let resumed = false;
  await runner.run((function* () {
    t = createTask(
      (function* () {
        try {
          yield* getRunningLoop().createFuture<void>();
        } finally {
          resumed = true;
        }
      })(),
      { context: ctx },
    );
    yield* sleep(0);
  })());
  const messages: string[] = [];
  runner.getLoop().setExceptionHandler((_loop, c) => {
    messages.push(
      `${c.message}: ${(c.exception as Error | undefined)?.message}`,
    );
  });
  // Synchronous dispose cancels t and steps it at once, inside ctx.run.
  ctx.run(() => runner[Symbol.dispose]());
  assert.equal(resumed, false);
  assert.ok(
    messages.some((m) =>
      /^Exception in callback .*step\(\): cannot enter context: .* is already entered$/
        .test(m)
    ),
    messages.join("\n"),
  );
  assert.equal(t!.done(), false);
});

Deno.test("Task: a callSoon inside a task captures the task's context", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const seen: string[] = [];
    await loop.runUntilComplete((function* () {
      v.set("task");
      loop.callSoon(() => seen.push(v.get()));
      v.set("task2");
      yield* sleep(1);
    })());
    assert.deepEqual(seen, ["task"]);
  });
});

Deno.test("Exception handler: a failing callback's handler runs in the handle's context", async () => {
  await withLoop(async (loop) => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const seen: string[] = [];
    loop.setExceptionHandler((_l, c: ExceptionContext) => {
      seen.push(`${c.message.split(" ").slice(0, 3).join(" ")}: ${v.get()}`);
    });
    await new Context().run(() => {
      v.set("scheduler");
      loop.callSoon(function failing() {
        throw new Error("x");
      });
      return loop.runUntilComplete(sleep(1));
    });
    assert.deepEqual(seen, ["Exception in callback: scheduler"]);
  });
});

// asyncio 3.12 (reference §4.5): the handler runs in the context of the
// task, future or handle involved.
Deno.test({
  name: "Exception handler: called with a handle, runs in its context",
  fn: async () => {
    await withLoop(async (loop) => {
      const v = new ContextVar<string>("v", { default: "dflt" });
      const ctx = new Context();
      ctx.run(() => v.set("handle ctx"));
      const h = loop.callSoon(() => {}, { context: ctx });
      let seen = "";
      loop.setExceptionHandler(() => {
        seen = v.get();
      });
      loop.callExceptionHandler({ message: "m", handle: h });
      assert.equal(seen, "handle ctx");
      await loop.runUntilComplete(sleep(0));
    });
  },
});

Deno.test("Runner: one context for every run(); run() with context option", async () => {
  const v = new ContextVar<number>("v", { default: 0 });
  await using runner = new Runner();
  await runner.run((function* () {
    v.set(1);
    yield* sleep(0);
  })());
  const second = await runner.run((function* () {
    yield* sleep(0);
    return v.get();
  })());
  assert.equal(second, 1);
  const ctx = new Context();
  const third = await runner.run(
    (function* () {
      v.set(5);
      yield* sleep(0);
      return v.get();
    })(),
    { context: ctx },
  );
  assert.equal(third, 5);
  assert.equal(ctx.get(v), 5);
  // The runner's own context was not touched by the explicit one.
  const fourth = await runner.run((function* () {
    yield* sleep(0);
    return v.get();
  })());
  assert.equal(fourth, 1);
  // Nothing leaked into the caller's context.
  assert.equal(v.get(), 0);
});

Deno.test("getCurrentContext: the live context of the task, the entered one, the root", async () => {
  const v = new ContextVar<number>("live", { default: 0 });
  const root = getCurrentContext();
  assert.equal(getCurrentContext(), root);
  using runner = new Runner();
  await runner.run((function* () {
    const live = getCurrentContext();
    assert.notEqual(live, root);
    v.set(1);
    assert.equal(live.get(v), 1);
    // deno-lint-ignore require-yield
    const t = createTask((function* () {
      assert.notEqual(getCurrentContext(), live);
      assert.equal(getCurrentContext().get(v), 1); // a copy at creation
    })());
    yield* t;
    const other = new Context();
    other.run(() => {
      assert.equal(getCurrentContext(), other);
      v.set(2);
    });
    assert.equal(other.get(v), 2);
    assert.equal(getCurrentContext(), live);
    // Entering the live context again is refused.
    assert.throws(() => live.run(() => {}), /already entered/);
  })());
});
