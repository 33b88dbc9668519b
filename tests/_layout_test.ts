// The layout hold: a class made once per loop keeps its latest instance
// alive only until V8 has settled its layout, then holds nothing.

import assert from "node:assert/strict";
import { heldForLayout, holdForLayout } from "../_layout.ts";
import { EventLoop } from "../loop.ts";

Deno.test("holdForLayout keeps the latest instance through the 7th construction, then none", () => {
  class Once {
    constructor() {
      holdForLayout(new.target, this);
    }
  }
  class Sub extends Once {}
  const made: Once[] = [];
  for (let i = 0; i < 7; i++) {
    made.push(new Once());
    assert.equal(heldForLayout(Once), made[i]);
  }
  new Once();
  assert.equal(heldForLayout(Once), null);
  new Once();
  assert.equal(heldForLayout(Once), null);
  // A subclass has its own layout, so its own count.
  const s = new Sub();
  assert.equal(heldForLayout(Sub), s);
});

Deno.test("a closed loop is not held once loops have been made eight times", () => {
  for (let i = 0; i < 8; i++) new EventLoop().close();
  assert.equal(heldForLayout(EventLoop), null);
});
