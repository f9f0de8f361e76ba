/**
 * Coalesces the reads asked for in one turn of the event loop into one statement.
 *
 * Under load a turn of the loop handles the requests of many connections; each used to cost a trip
 * to a database thread (or a PostgreSQL round trip), and that trip, not the lookup, was most of a
 * decision's cost. A batch is sent when the turn's I/O callbacks have run (`setImmediate`) or when
 * it reaches `maxBatch`, so a lone read waits for nothing but the end of its turn, and it never
 * sees older data than it would have alone: the statement starts after the read was asked for.
 */
export class ReadBatch<Q, R> {
  private pending: { query: Q; resolve: (r: R | undefined) => void; reject: (e: unknown) => void }[] = [];

  constructor(
    /** Runs one statement for these queries: the answer to `queries[i]` at index `i` (or none). */
    private readonly run: (queries: readonly Q[]) => Promise<readonly (R | undefined)[]>,
    private readonly maxBatch = 256,
  ) {}

  /** The answer to one query, read with the others asked for in the same turn. */
  read(query: Q): Promise<R | undefined> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.send());
      this.pending.push({ query, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.send();
    });
  }

  private send(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.run(batch.map((p) => p.query)).then(
      (answers) => batch.forEach((p, i) => p.resolve(answers[i])),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }
}
