import { ReadBatch } from './read-batch';

/** A ReadBatch whose statements are recorded: each run answers `q * 10`, or fails for a query of -1. */
function recorded(maxBatch?: number): { sut: ReadBatch<number, number>; runs: number[][] } {
  const runs: number[][] = [];
  const sut = new ReadBatch<number, number>(async (qs) => {
    runs.push([...qs]);
    if (qs.includes(-1)) throw new Error('refused');
    return qs.map((q) => (q === 0 ? undefined : q * 10));
  }, maxBatch);
  return { sut, runs };
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ReadBatch', () => {
  it('sends the reads of one turn as one statement and answers each its own', async () => {
    const { sut, runs } = recorded();
    const answers = await Promise.all([sut.read(3), sut.read(1), sut.read(0), sut.read(3)]);
    expect(answers).toEqual([30, 10, undefined, 30]);
    expect(runs).toEqual([[3, 1, 0, 3]]);
  });

  it('sends the reads of a later turn in a statement of their own', async () => {
    const { sut, runs } = recorded();
    const first = sut.read(1);
    await nextTurn();
    const second = sut.read(2);
    expect(await Promise.all([first, second])).toEqual([10, 20]);
    expect(runs).toEqual([[1], [2]]);
  });

  it('starts a statement as soon as a turn has asked for maxBatch reads', async () => {
    const { sut, runs } = recorded(3);
    const answers = Promise.all([1, 2, 3, 4, 5, 6, 7].map((q) => sut.read(q)));
    expect(runs).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(await answers).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(runs).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('fails every read of a failed statement, and only those', async () => {
    const { sut } = recorded();
    const failed = [sut.read(1), sut.read(-1)].map((p) => p.then(String, (e: Error) => e.message));
    await nextTurn();
    const later = sut.read(2);
    expect(await Promise.all([...failed, later])).toEqual(['refused', 'refused', 20]);
  });
});
