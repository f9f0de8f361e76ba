import { consume, draw, drawOrder, giveBack } from './draw';
import { bookOf, grantOf } from './testing';

const at = (iso: string): Date => new Date(iso);
const NOW = at('2026-03-25T00:00:00Z');

describe(drawOrder.name, () => {
  it('orders by priority, then the soonest expiry (never last), then the oldest, then the id', () => {
    const grants = [
      grantOf('never', 1, { expiresAt: null }),
      grantOf('late', 1, { expiresAt: at('2026-06-01T00:00:00Z') }),
      grantOf('soon-young', 1, { expiresAt: at('2026-04-01T00:00:00Z'), createdAt: at('2026-03-10T00:00:00Z') }),
      grantOf('soon-old', 1, { expiresAt: at('2026-04-01T00:00:00Z'), createdAt: at('2026-03-02T00:00:00Z') }),
      grantOf('soon-old-b', 1, { expiresAt: at('2026-04-01T00:00:00Z'), createdAt: at('2026-03-02T00:00:00Z') }),
      grantOf('kept-for-last', 1, { priority: 1000, expiresAt: at('2026-03-26T00:00:00Z') }),
      grantOf('first', 1, { priority: 0, expiresAt: null }),
    ];
    expect([...grants].sort(drawOrder).map((g) => g.id)).toEqual(['first', 'soon-old', 'soon-old-b', 'soon-young', 'late', 'never', 'kept-for-last']);
  });
});

describe(draw.name, () => {
  it('takes from the live grants in draw order, skipping the empty and the expired', () => {
    const sut = bookOf([
      grantOf('pack', 500_000, { expiresAt: at('2026-06-01T00:00:00Z') }),
      grantOf('allowance', 100_000, { expiresAt: at('2026-04-20T00:00:00Z') }),
      grantOf('gone', 900_000, { expiresAt: at('2026-03-24T00:00:00Z') }),
      grantOf('empty', 50_000, { remainingMc: 0, expiresAt: at('2026-03-30T00:00:00Z') }),
    ]);
    expect(draw(sut, 256_000, NOW)).toEqual([
      { grantId: 'allowance', amountMc: -100_000 },
      { grantId: 'pack', amountMc: -156_000 },
    ]);
  });

  it('refuses to draw more than the live grants hold: callers decide first', () => {
    const sut = bookOf([grantOf('a', 1000, { expiresAt: at('2026-03-24T00:00:00Z') }), grantOf('b', 1000)]);
    expect(() => draw(sut, 1001, NOW)).toThrow('cannot cover 1001 mc');
  });
});

describe(consume.name, () => {
  it('takes the first part of a reservation, in the order it was drawn', () => {
    const reserved = [
      { grantId: 'a', amountMc: -300 },
      { grantId: 'b', amountMc: -500 },
    ];
    expect([consume(reserved, 0), consume(reserved, 200), consume(reserved, 650), consume(reserved, 800)]).toEqual([
      [],
      [{ grantId: 'a', amountMc: -200 }],
      [
        { grantId: 'a', amountMc: -300 },
        { grantId: 'b', amountMc: -350 },
      ],
      [
        { grantId: 'a', amountMc: -300 },
        { grantId: 'b', amountMc: -500 },
      ],
    ]);
  });
});

describe(giveBack.name, () => {
  const paid = [
    { grantId: 'a', amountMc: -300 },
    { grantId: 'b', amountMc: -500 },
  ];

  it('returns to the grants that paid in reverse order, what earlier returns gave back excepted', () => {
    expect(giveBack(paid, [], 600)).toEqual({
      allocations: [
        { grantId: 'b', amountMc: 500 },
        { grantId: 'a', amountMc: 100 },
      ],
      uncovered: 0,
    });
    expect(giveBack(paid, [{ grantId: 'b', amountMc: 450 }], 200)).toEqual({
      allocations: [
        { grantId: 'b', amountMc: 50 },
        { grantId: 'a', amountMc: 150 },
      ],
      uncovered: 0,
    });
  });

  it('says what no recorded grant can take (credits drawn before grants existed)', () => {
    expect(giveBack([], [], 700)).toEqual({ allocations: [], uncovered: 700 });
    expect(giveBack(paid, [{ grantId: 'a', amountMc: 300 }], 600)).toEqual({ allocations: [{ grantId: 'b', amountMc: 500 }], uncovered: 100 });
  });
});
