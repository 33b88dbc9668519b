// The example server (examples/server.ts): request tasks on one long-lived
// loop, client disconnects cancelling them. Needs Deno.serve, so it is
// skipped elsewhere.
import assert from "node:assert/strict";
import type { RunningServer } from "../examples/server.ts";

const hasServe = typeof Deno !== "undefined" &&
  typeof Deno.serve === "function";

/** Loaded lazily: the example is Deno-only and not part of the npm build. */
async function startServer(options: { port: number }): Promise<RunningServer> {
  const { startServer } = await import("../examples/server.ts");
  return startServer(options);
}

Deno.test({
  name: "server: a normal request completes",
  ignore: !hasServe,
  fn: async () => {
    const server = await startServer({ port: 0 });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const r = await fetch(`${server.url}/work?upstream=1&sleep=1`);
      assert.equal(r.status, 200);
      const body = await r.json();
      assert.equal(body.upstream, "upstream ok");
      assert.match(body.task, /^request-\d+$/);
      assert.equal(server.stats.started, 1);
      assert.equal(server.stats.completed, 1);
      assert.equal(server.stats.upstreamCompleted, 1);
      assert.equal(server.stats.cancelled, 0);
      assert.equal(server.stats.innerFetchAborted, 0);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "server: a client disconnect cancels the task and aborts its fetch",
  ignore: !hasServe,
  fn: async () => {
    const server = await startServer({ port: 0 });
    try {
      const ac = new AbortController();
      const pending = fetch(`${server.url}/work?upstream=60000&sleep=60000`, {
        signal: ac.signal,
      });
      // The task is inside its fetch to /upstream: now the client leaves.
      await server.waitUntil((s) => s.upstreamStarted === 1);
      ac.abort();
      await assert.rejects(pending);
      await server.waitUntil((s) =>
        s.cancelled === 1 && s.innerFetchAborted === 1 &&
        s.upstreamAborted === 1
      );
      assert.equal(server.stats.completed, 0);
      assert.equal(server.stats.upstreamCompleted, 0);
      assert.ok(
        server.log.some((l) =>
          /cancelled while fetching upstream \(client disconnected\)/.test(l)
        ),
        server.log.join("\n"),
      );
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "server: a disconnect during the task's sleep cancels the sleep",
  ignore: !hasServe,
  fn: async () => {
    const server = await startServer({ port: 0 });
    try {
      const ac = new AbortController();
      const pending = fetch(`${server.url}/work?upstream=1&sleep=60000`, {
        signal: ac.signal,
      });
      // Wait until the task is past its fetch and inside its sleep.
      await server.waitUntil(() =>
        server.log.some((l) => /: sleeping 60000 ms$/.test(l))
      );
      ac.abort();
      await assert.rejects(pending);
      await server.waitUntil((s) => s.cancelled === 1);
      assert.ok(
        server.log.some((l) => /cancelled while sleeping/.test(l)),
        server.log.join("\n"),
      );
      assert.equal(server.stats.completed, 0);
      assert.equal(server.stats.innerFetchAborted, 0);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "server: the loop outlives requests; close cancels what is left",
  ignore: !hasServe,
  fn: async () => {
    const server = await startServer({ port: 0 });
    let pending: Promise<Response> | undefined;
    try {
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${server.url}/work?upstream=1&sleep=1`);
        assert.equal(r.status, 200);
        await r.body?.cancel();
      }
      assert.equal(server.stats.completed, 3);
      pending = fetch(`${server.url}/work?upstream=1&sleep=60000`);
      await server.waitUntil((s) => s.upstreamCompleted === 4);
    } finally {
      await server.close();
    }
    const r = await pending!;
    assert.equal(r.status, 499); // answered "cancelled" before shutdown
    await r.body?.cancel();
    assert.equal(server.stats.cancelled, 1);
    assert.ok(server.log.some((l) => /server closing/.test(l)));
    assert.equal(server.log.at(-1), "closed");
  },
});

Deno.test({
  name: "server: unknown routes are 404",
  ignore: !hasServe,
  fn: async () => {
    const server = await startServer({ port: 0 });
    try {
      const r = await fetch(`${server.url}/nope`);
      assert.equal(r.status, 404);
      await r.body?.cancel();
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name:
    "server: 100 concurrent /whoami requests each see their own request id after two native awaits",
  ignore: !hasServe,
  fn: async () => {
    const server = await startServer({ port: 0 });
    try {
      const ids = [...Array(100)].map((_, i) => `req-${i}`);
      const bodies = await Promise.all(ids.map(async (id) => {
        const r = await fetch(`${server.url}/whoami`, {
          headers: { "x-request-id": id },
        });
        assert.equal(r.status, 200);
        return await r.json() as { id: string; seen: string };
      }));
      bodies.forEach((b, i) => {
        assert.equal(b.id, ids[i]);
        assert.equal(b.seen, ids[i]);
      });
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "server: /debug/tasks prints the task tree",
  ignore: !hasServe,
  fn: async () => {
    const server = await startServer({ port: 0 });
    try {
      const slow = fetch(`${server.url}/work?upstream=1&sleep=300`);
      await server.waitUntil((s) => s.upstreamCompleted === 1);
      const tree = await (await fetch(`${server.url}/debug/tasks`)).text();
      assert.match(tree, /└── \(T\) request-1 \[pending\] /);
      await (await slow).text();
    } finally {
      await server.close();
    }
  },
});
