// Maps Deno's test API onto the host test runner so the compiled tests in
// npm/tests/ run unchanged on Node (`node --test`) and Bun (`bun test`).
//
// scripts/build_npm.ts copies this file to npm/tests/_deno_test_shim.mjs and
// rewrites `Deno.test` in every compiled test into `__denoTest`, imported from
// here. No global `Deno` is defined on purpose: library code and tests detect
// Deno with `typeof Deno !== "undefined"` (or `globalThis.Deno !== undefined`)
// and must see it absent on Node and Bun.
//
// Supported: Deno.test(fn | name, fn | options | name, options, fn | options, fn),
// Deno.test.ignore / Deno.test.only, options `ignore` and `only` (sanitizer and
// permission options are ignored), and t.step(name, fn | { name, fn, ignore } | fn)
// returning Promise<boolean>, nestable.

const isBun = typeof globalThis.Bun !== "undefined";
const host = isBun ? await import("bun:test") : await import("node:test");

// `--expose-gc` for Bun, whose collector is `Bun.gc(sync)`.
if (isBun && typeof globalThis.gc !== "function") {
  globalThis.gc = () => globalThis.Bun.gc(true);
}

function definition(a, b, c) {
  let def;
  if (typeof a === "function") def = { name: a.name, fn: a };
  else if (typeof a === "string") {
    def = typeof b === "function"
      ? { name: a, fn: b }
      : { ...b, name: a, fn: c };
  } else if (a !== null && typeof a === "object") {
    def = typeof b === "function" ? { ...a, fn: b } : { ...a };
  } else {
    throw new TypeError(
      `Deno.test: expected a name, options or a function, got ${typeof a}`,
    );
  }
  if (typeof def.fn !== "function") {
    throw new TypeError(`Deno.test: test "${def.name}" has no function`);
  }
  if (!def.name) throw new TypeError("Deno.test: the test must have a name");
  return def;
}

function stepDefinition(a, b) {
  if (typeof a === "function") return { name: a.name, fn: a };
  if (typeof a === "string") return { name: a, fn: b };
  return { ...a };
}

// Bun has no subtests: steps run inline; a failed step fails its parent at the end,
// as in Deno.
function bunContext(name, parent) {
  const ctx = {
    name,
    origin: "",
    parent,
    failures: [],
    async step(a, b) {
      const def = stepDefinition(a, b);
      if (def.ignore) return false;
      const child = bunContext(def.name, ctx);
      try {
        await def.fn(child);
        if (child.failures.length > 0) throw child.failures[0];
        return true;
      } catch (err) {
        console.error(`step "${def.name}" of "${name}" failed:`, err);
        ctx.failures.push(err);
        return false;
      }
    },
  };
  return ctx;
}

function nodeContext(t, name, parent) {
  const ctx = {
    name,
    origin: "",
    parent,
    async step(a, b) {
      const def = stepDefinition(a, b);
      let ok = false;
      await t.test(def.name, { skip: !!def.ignore }, async (sub) => {
        await def.fn(nodeContext(sub, def.name, ctx));
        ok = true;
      });
      return ok;
    },
  };
  return ctx;
}

function register(def) {
  const opts = { skip: !!def.ignore };
  if (isBun) {
    const fn = async () => {
      const ctx = bunContext(def.name, undefined);
      await def.fn(ctx);
      if (ctx.failures.length > 0) throw ctx.failures[0];
    };
    if (def.ignore) host.test.skip(def.name, fn);
    else host.test(def.name, fn);
  } else {
    host.test(
      def.name,
      opts,
      (t) => def.fn(nodeContext(t, def.name, undefined)),
    );
  }
}

/** `Deno.test` for Node and Bun. */
export function test(a, b, c) {
  register(definition(a, b, c));
}
test.ignore = (a, b, c) => register({ ...definition(a, b, c), ignore: true });
test.only = (a, b, c) => register(definition(a, b, c));
