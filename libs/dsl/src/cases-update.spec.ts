import { updateCaseFile } from './cases-update';

const FILE = `# yaml-language-server: $schema=../libs/dsl/src/schema/cases.schema.json
#
# Chat edits.
cases:
  - { note: 'a chat edit', plan: basic, action: chat.edit, want: { allowed: true, cost: 0.5, reasons: [], breakdown: ['Chat edit 0.5 cr/edit'] } }   # the price
  - note: 'a site'
    plan: basic
    action: site.generate
    want:
      cost: 282          # 18 + 256 + 8
      breakdown:
        - 'Hero image: Seedream 4.5 18 cr'
        - 'Motion video: 256'

  - { note: untouched, plan: pro, action: chat.edit, want: { cost: 0.5 } }
`;

describe(updateCaseFile.name, () => {
  it('rewrites only the values it is given, where they are written, keeping comments and layout', () => {
    const sut = updateCaseFile({ path: 'a.test.yaml', text: FILE }, [{ line: 5, column: 5, want: { allowed: false, costMc: 750, reasons: ['INSUFFICIENT_CREDITS'], breakdown: ['Chat edit 0.75 cr/edit'] } }]);
    expect(sut.text).toBe(
      FILE.replace(
        "want: { allowed: true, cost: 0.5, reasons: [], breakdown: ['Chat edit 0.5 cr/edit'] } }   # the price",
        "want: { allowed: false, cost: 0.75, reasons: [INSUFFICIENT_CREDITS], breakdown: ['Chat edit 0.75 cr/edit'] } }   # the price",
      ),
    );
    expect(sut.edits.map((e) => [e.case.line, e.at.line, e.at.column, e.field, e.before, e.after])).toEqual([
      [5, 5, 77, 'allowed', 'true', 'false'],
      [5, 5, 89, 'cost', '0.5', '0.75'],
      [5, 5, 103, 'reasons', '[]', '[INSUFFICIENT_CREDITS]'],
      [5, 5, 118, 'breakdown', "['Chat edit 0.5 cr/edit']", "['Chat edit 0.75 cr/edit']"],
    ]);
  });

  it('keeps a block list a block list, at its indent, before the blank line that follows it', () => {
    const sut = updateCaseFile({ path: 'a.test.yaml', text: FILE }, [{ line: 6, column: 5, want: { costMc: 300_000, breakdown: ['Hero image: Seedream 4.5 36 cr', 'Motion video: 256', 'Site HTML assembly: 8 cr'] } }]);
    expect(sut.text).toBe(
      FILE.replace('      cost: 282          # 18 + 256 + 8', '      cost: 300          # 18 + 256 + 8').replace(
        "        - 'Hero image: Seedream 4.5 18 cr'\n        - 'Motion video: 256'\n",
        "        - 'Hero image: Seedream 4.5 36 cr'\n        - 'Motion video: 256'\n        - 'Site HTML assembly: 8 cr'\n",
      ),
    );
  });

  it('quotes a string only where a plain one would read back differently', () => {
    const text = 'cases:\n  - { note: n, plan: basic, action: a, want: { breakdown: [Seedream 4.5 18 cr], cost: 1 } }\n';
    const sut = updateCaseFile({ path: 'a.test.yaml', text }, [{ line: 2, column: 5, want: { breakdown: ['Flux Pro 17 cr', 'Hero image: 4K ×2 = 40', 'true'], costMc: 17_000 } }]);
    expect(sut.text).toBe("cases:\n  - { note: n, plan: basic, action: a, want: { breakdown: [Flux Pro 17 cr, 'Hero image: 4K ×2 = 40', 'true'], cost: 17 } }\n");
  });

  it('changes nothing for a case it is not given, or a value already right', () => {
    expect(updateCaseFile({ path: 'a.test.yaml', text: FILE }, [{ line: 99, column: 5, want: { costMc: 1 } }])).toEqual({ text: FILE, edits: [] });
    expect(updateCaseFile({ path: 'a.test.yaml', text: FILE }, [{ line: 15, column: 5, want: { costMc: 500 } }])).toEqual({ text: FILE, edits: [] });
  });
});
