/**
 * A short description of any value, for error messages: strings quoted,
 * bigints with their `n`, functions by name (generator functions said to be
 * such), plain objects and arrays by a shallow literal (`{}`,
 * `{ debug: "yes" }`, `[1, 2]`), other objects by their `toString` when they
 * have their own, else by their constructor's name.
 */
export function describe(x: unknown): string {
  return describeAt(x, 0);
}

function describeAt(x: unknown, depth: number): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "function") {
    const kind = x.constructor?.name === "GeneratorFunction"
      ? "generator function"
      : "function";
    return `${kind} ${x.name || "(anonymous)"}`;
  }
  if (typeof x === "bigint") return `${x}n`;
  if (typeof x === "symbol") return String(x);
  if (x === null || typeof x !== "object") return String(x);
  if (Array.isArray(x)) {
    if (x.length === 0) return "[]";
    if (depth > 0) return "[…]";
    const items = x.slice(0, 3).map((v) => describeAt(v, depth + 1));
    if (x.length > 3) items.push("…");
    return `[${items.join(", ")}]`;
  }
  const proto = Object.getPrototypeOf(x);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(x);
    if (keys.length === 0) return "{}";
    if (depth > 0) return "{…}";
    const items = keys.slice(0, 3).map((k) =>
      `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${
        describeAt((x as Record<string, unknown>)[k], depth + 1)
      }`
    );
    if (keys.length > 3) items.push("…");
    return `{ ${items.join(", ")} }`;
  }
  try {
    const s = String(x);
    if (s !== "[object Object]") return s;
  } catch {
    // fall through: an object whose toString throws
  }
  const name = (x as { constructor?: { name?: string } }).constructor?.name;
  return name ? `<${name} object>` : Object.prototype.toString.call(x);
}
