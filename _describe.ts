/**
 * A short description of any value, for error messages: strings quoted,
 * functions by name (generator functions said to be such), objects by their
 * `toString` when they have their own, else by their constructor's name.
 */
export function describe(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "function") {
    const kind = x.constructor?.name === "GeneratorFunction"
      ? "generator function"
      : "function";
    return `${kind} ${x.name || "(anonymous)"}`;
  }
  if (typeof x === "symbol" || typeof x === "bigint") return String(x);
  if (x === null || typeof x !== "object") return String(x);
  try {
    const s = String(x);
    if (s !== "[object Object]") return s;
  } catch {
    // fall through: an object whose toString throws
  }
  const name = (x as { constructor?: { name?: string } }).constructor?.name;
  return name ? `<${name} object>` : Object.prototype.toString.call(x);
}
