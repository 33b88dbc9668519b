import assert from "node:assert/strict";
import { run, sleep } from "../mod.ts";

Deno.test("run() returns the coroutine's value after a sleep(0)", async () => {
  const r = await run((function* () {
    yield* sleep(0);
    return 42;
  })());
  assert.equal(r, 42);
});
