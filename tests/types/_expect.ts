// Helpers of the type tests in this folder.

/** `true` when A and B are the same type (not merely assignable). */
export type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends
  (<X>() => X extends B ? 1 : 2) ? true : false;

/** `true` for `any`, `unknown` and `never`. */
export type IsAnyUnknownOrNever<T> = [T] extends [never] ? true
  : 0 extends (1 & T) ? true
  : unknown extends T ? true
  : false;

/** What an iterator or generator yields. */
export type YieldOf<G> = G extends Iterator<infer Y, unknown, never> ? Y
  : never;
