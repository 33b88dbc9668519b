// The node:http example (examples/node_server.ts): one task per request on a
// Runner's loop, created from the host handler with loop.createTask(); a
// client disconnect cancels the task. Runs on Node against the npm build
// (scripts/build_npm.ts compiles the example next to the tests) and on Deno
// through its node:http.
import assert from "node:assert/strict";
import { startNodeServer } from "../examples/node_server.ts";

Deno.test("node server: a request completes as its task", async () => {
  const server = await startNodeServer({ port: 0 });
  try {
    const r = await fetch(`${server.url}/work?ms=1`);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /^request-\d+: done$/m);
    assert.equal(server.stats.started, 1);
    assert.equal(server.stats.completed, 1);
    assert.equal(server.stats.cancelled, 0);
  } finally {
    await server.close();
  }
});

Deno.test("node server: a client disconnect cancels the request's task", async () => {
  const server = await startNodeServer({ port: 0 });
  try {
    const ac = new AbortController();
    const pending = fetch(`${server.url}/work?ms=60000`, { signal: ac.signal });
    await server.waitUntil((s) => s.started === 1);
    ac.abort();
    await assert.rejects(pending);
    await server.waitUntil((s) => s.cancelled === 1);
    assert.equal(server.stats.completed, 0);
    assert.ok(
      server.log.some((l) => /cancelled \(client disconnected\)/.test(l)),
      server.log.join("\n"),
    );
  } finally {
    await server.close();
  }
});

Deno.test("node server: a failing handler task answers 500 and is not reported as lost", async () => {
  const server = await startNodeServer({ port: 0 });
  try {
    const r = await fetch(`${server.url}/fail`);
    assert.equal(r.status, 500);
    await r.body?.cancel();
    await server.waitUntil((s) => s.failed === 1);
  } finally {
    await server.close();
  }
  assert.equal(server.stats.reported, 0, server.log.join("\n"));
  assert.equal(server.log.at(-1), "closed");
});
