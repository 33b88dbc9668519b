// The counters and the log an example server keeps, and waiting until they
// reach a state: what examples/server.ts and examples/node_server.ts share
// (their tests wait on it rather than sleep).

/** Counters, a log, and waiting until the counters reach a state. */
export class StatsLog<S extends { [K in keyof S]: number }> {
  readonly stats: S;
  readonly log: string[] = [];
  #verbose: boolean;
  #watchers: (() => void)[] = [];

  constructor(stats: S, verbose: boolean) {
    this.stats = stats;
    this.#verbose = verbose;
  }

  /** Counts `key` (unless `null`), logs `line`, and wakes the waiters. */
  note(key: keyof S | null, line: string): void {
    if (key !== null) this.stats[key] = (this.stats[key] + 1) as S[keyof S];
    this.log.push(line);
    if (this.#verbose) console.log(line);
    const ws = this.#watchers;
    this.#watchers = [];
    for (const w of ws) w();
  }

  /**
   * Resolves once `predicate(stats)` holds; rejects after `ms` with the
   * counters in the message.
   */
  waitUntil(predicate: (s: S) => boolean, ms = 5000): Promise<void> {
    return new Promise((ok, fail) => {
      if (predicate(this.stats)) return ok();
      const timer = setTimeout(() => {
        this.#watchers = this.#watchers.filter((w) => w !== check);
        fail(
          new Error(
            `waitUntil: not reached after ${ms} ms; stats ${
              JSON.stringify(this.stats)
            }`,
          ),
        );
      }, ms);
      const check = (): void => {
        if (predicate(this.stats)) {
          clearTimeout(timer);
          ok();
        } else {
          this.#watchers.push(check);
        }
      };
      this.#watchers.push(check);
    });
  }
}
