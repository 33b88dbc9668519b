// Context through native await: fromAbortable runs its function in a copy
// of the task's context, carried across native awaits by the host's
// AsyncLocalStorage (Node, Deno, Bun).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ContextVar,
  type Coroutine,
  createTask,
  EventLoop,
  run,
  sleep,
  type Task,
} from "../mod.ts";
import { delay, fromAbortable, nativeContextAvailable } from "../interop.ts";

const available = nativeContextAvailable();
if (!available) {
  console.log(
    "native_context_test: skipped, no AsyncLocalStorage on this host",
  );
}

const requestId = new ContextVar<string>("requestId", { default: "none" });

Deno.test({
  name:
    "native context: ContextVar values survive two native awaits; writes stay private",
  ignore: !available,
  fn: () =>
    run((function* () {
      requestId.set("outer");
      const seen = yield* fromAbortable(async (signal) => {
        const first = requestId.get();
        requestId.set("sync write"); // before the first await
        await delay(1, { signal });
        const second = requestId.get();
        await Promise.resolve();
        requestId.set("async write"); // after the awaits
        return [first, second, requestId.get()];
      });
      assert.deepEqual(seen, ["outer", "sync write", "async write"]);
      assert.equal(requestId.get(), "outer"); // the task's value is untouched
    })()),
});

Deno.test({
  name:
    "native context: concurrent calls from many tasks each see their own task's value",
  ignore: !available,
  fn: () =>
    run((function* () {
      function* one(i: number): Coroutine<string> {
        requestId.set(`t${i}`);
        yield* sleep(i % 3);
        return yield* fromAbortable(async () => {
          await delay((7 * i) % 5);
          await delay(0);
          return requestId.get();
        });
      }
      const tasks = [...Array(50)].map((_, i) => createTask(one(i)));
      for (let i = 0; i < tasks.length; i++) {
        assert.equal(yield* tasks[i], `t${i}`);
      }
    })()),
});

Deno.test("native context: host code outside any call still sees the root context", async () => {
  await run((function* () {
    yield* fromAbortable(() => delay(1));
  })());
  await delay(1);
  assert.equal(requestId.get(), "none");
});

/** A native async helper: reads the id after two awaits. */
async function lookUp(signal: AbortSignal): Promise<string> {
  await delay(Math.random() * 5, { signal });
  await Promise.resolve();
  return requestId.get();
}

Deno.test({
  name:
    "native context: node:http, 100 concurrent requests each see their own request id",
  ignore: !available,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const loop = new EventLoop();
    const forever = loop.runForever();
    function* handle(id: string): Coroutine<string> {
      requestId.set(id);
      yield* sleep(Math.random() * 5);
      return yield* fromAbortable((signal) => lookUp(signal));
    }
    const server = createServer((req, res) => {
      const id = String(req.headers["x-request-id"]);
      loop.callSoon(() => {
        const t: Task<string> = loop.createTask(handle(id));
        t.toPromise().then((seen) => res.end(JSON.stringify({ id, seen })));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const ids = [...Array(100)].map((_, i) => `req-${i}`);
      const bodies = await Promise.all(ids.map(async (id) => {
        const r = await fetch(`http://127.0.0.1:${port}/`, {
          headers: { "x-request-id": id },
        });
        return await r.json() as { id: string; seen: string };
      }));
      bodies.forEach((b, i) =>
        assert.deepEqual(b, { id: ids[i], seen: ids[i] })
      );
    } finally {
      await new Promise((r) => server.close(r));
      loop.stop();
      await forever;
      loop.close();
    }
  },
});
