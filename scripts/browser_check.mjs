// Browser check of the built npm package (`deno task test:browser`; needs
// `deno task build:npm` first and Debian's chromium): serves the repo on
// 127.0.0.1 (ephemeral port), opens tests/browser/index.html in headless
// Chromium driven by playwright-core (pinned in scripts/tools/package.json),
// reads the Runner program's result from the page and fails on a mismatch, a
// page error or a failed request. Prints `browser: N passed, N failed`.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { deepStrictEqual } from "node:assert/strict";

const root = fileURLToPath(new URL("../", import.meta.url));
const require = createRequire(join(root, "scripts/tools/package.json"));
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TIMEOUT_MS = 60_000;

const expected = {
  names: ["A", "B"],
  cancelled: true,
  timer: "fired",
  seenByTimer: "nobody",
  outer: "nobody",
  waited: true,
  log: ["cancelled:stop", "b:b", "a:a"],
};

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
};
// Only the built package and the page are served.
const allowed = [
  join(root, "npm", "esm") + sep,
  join(root, "tests", "browser") + sep,
];

const problems = [];
let problemSeen;
const firstProblem = new Promise((resolve) => (problemSeen = resolve));
function problem(text) {
  problems.push(text);
  problemSeen(text);
}

function serve(req, res) {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const file = normalize(join(root, decodeURIComponent(url.pathname)));
  if (!allowed.some((dir) => file.startsWith(dir)) || !existsSync(file)) {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    return;
  }
  res.writeHead(200, {
    "content-type": types[extname(file)] ?? "application/octet-stream",
    "cache-control": "no-store",
  }).end(readFileSync(file));
}

async function main() {
  if (!existsSync(join(root, "npm/esm/mod.js"))) {
    throw new Error(
      "npm/esm/mod.js is missing: run `deno task build:npm` first",
    );
  }
  if (!existsSync(executablePath)) {
    throw new Error(
      `${executablePath} is missing: apt-get install -y chromium`,
    );
  }
  const { chromium } = require("playwright-core");
  const server = createServer(serve);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  const userDataDir = mkdtempSync(join(tmpdir(), "x-runner-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      timeout: TIMEOUT_MS,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    const page = context.pages()[0] ?? await context.newPage();
    page.on("pageerror", (err) => problem(`page error: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") problem(`console error: ${msg.text()}`);
    });
    page.on("requestfailed", (r) => problem(`request failed: ${r.url()}`));
    page.on("response", (r) => {
      if (r.status() >= 400) problem(`HTTP ${r.status()}: ${r.url()}`);
    });
    const url = `http://127.0.0.1:${port}/tests/browser/index.html`;
    await page.goto(url, { timeout: TIMEOUT_MS });
    // Fail fast on the first page error or failed request.
    const failed = firstProblem.then(() => {
      throw new Error("the page failed before writing its result");
    });
    failed.catch(() => {}); // later problems are in `problems` already
    const el = await Promise.race([
      page.waitForSelector("#result[data-status]", { timeout: TIMEOUT_MS }),
      failed,
    ]);
    const status = await el.getAttribute("data-status");
    const text = await el.textContent();
    const version = context.browser()?.version() ??
      (await page.evaluate(() => navigator.userAgent));
    console.log(`browser: ${version}, ${url}`);
    console.log(`browser: page status ${status}: ${text}`);
    if (process.env.BROWSER_SCREENSHOT) {
      await page.screenshot({ path: process.env.BROWSER_SCREENSHOT });
    }
    if (status !== "done") {
      problems.push(`the page's program failed: ${text}`);
    } else {
      try {
        deepStrictEqual(JSON.parse(text ?? ""), expected);
      } catch (err) {
        problems.push(`result mismatch:\n${err.message}`);
      }
    }
  } finally {
    await context?.close().catch(() => {});
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

const timer = setTimeout(() => {
  console.error(`browser: timed out after ${2 * TIMEOUT_MS} ms`);
  console.log("browser: 0 passed, 1 failed");
  process.exit(1);
}, 2 * TIMEOUT_MS);
try {
  await main();
} catch (err) {
  problems.push(String(err?.message ?? err));
}
clearTimeout(timer);
for (const p of problems) console.error(`browser: ${p}`);
console.log(
  `browser: ${
    problems.length === 0 ? "1 passed, 0 failed" : "0 passed, 1 failed"
  }`,
);
process.exit(problems.length === 0 ? 0 : 1);
