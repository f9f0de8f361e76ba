import { Ledger, openDatabase, parseDatabaseUrl, StaticRules, verifyLedger, type DatabaseTarget } from '@ratecard/ledger';
import { run } from '../../apps/cli/src/cli';
import { captureIo, type CliResult } from '../support/cli-io';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled, NOW, REPO_ROOT } from '../support/rules';

// Grants through the CLI, as support staff use them against the service's database: grant credits
// with an expiry and a priority (once per key), list the live grants in draw order, or all of them.

describe.each(DATABASE_KINDS)('ratecard grant and grants on %s', (kind) => {
  let url: string;

  const ratecard = async (argv: string[]): Promise<CliResult> => {
    const io = { ...captureIo(), env: { DATABASE_URL: url, USER: 'support-bob' } };
    const code = await run(argv, io);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };

  beforeAll(async () => {
    url = (await freshDatabase(kind)).url;
    expect((await ratecard(['publish', '-m', 'bundled rules', '--activate'])).code).toBe(0);
    const db = await openDatabase(parseDatabaseUrl(url, REPO_ROOT) as DatabaseTarget);
    await new Ledger(db, new StaticRules(await compileBundled())).createAccount({ id: 'acme', plan: 'basic', billingAnchor: 20 }, NOW, { actor: 'test' });
    await db.close();
  }, 60_000);

  it('grants credits that outlive the cycle, once per key, and lists the live grants in the order they are drawn', async () => {
    const first = await ratecard(['grant', 'acme', '--amount', '250', '--reason', 'ticket 4521', '--expires-at', '2026-09-01T00:00:00Z', '--key', 't-4521']);
    const again = await ratecard(['grant', 'acme', '--amount', '250', '--reason', 'ticket 4521', '--expires-at', '2026-09-01T00:00:00Z', '--key', 't-4521']);
    const early = await ratecard(['grant', 'acme', '--amount', '0.5', '--reason', 'use first', '--priority', '0', '--expires-at', 'never']);

    expect([first.code, again.code, early.code]).toEqual([0, 0, 0]);
    expect(first.stdout).toMatch(/^granted gr_\S+\s+goodwill\s+250 of 250 cr\s+expires 2026-09-01\s+priority 100\s+ticket 4521\nacme balance: 1,750 cr$/);
    expect(again.stdout).toMatch(/^already granted \(same key\): gr_/);
    const list = (await ratecard(['grants', 'acme'])).stdout.split('\n');
    expect(list.map((l) => l.replace(/^gr_\S+\s+/, '').replace(/\s{2,}/g, ' | '))).toEqual([
      'goodwill | 0.5 of 0.5 cr | never expires | priority 0 | use first',
      'allowance | 1,500 of 1,500 cr | expires 2026-03-20 | priority 100 | Basic allowance for the cycle',
      'goodwill | 250 of 250 cr | expires 2026-09-01 | priority 100 | ticket 4521',
    ]);
    const all = JSON.parse((await ratecard(['grants', 'acme', '--all', '--json'])).stdout);
    expect(all).toHaveLength(3);

    const db = await openDatabase(parseDatabaseUrl(url, REPO_ROOT) as DatabaseTarget);
    expect((await verifyLedger(db)).problems).toEqual([]);
    await db.close();
  });

  it('says what is wrong with an amount, an expiry or a priority, and grants nothing', async () => {
    const bad = [
      await ratecard(['grant', 'acme', '--amount', '-5', '--reason', 'x']),
      await ratecard(['grant', 'acme', '--amount', '1.0001', '--reason', 'x']),
      await ratecard(['grant', 'acme', '--amount', '5']),
      await ratecard(['grant', 'acme', '--amount', '5', '--reason', 'x', '--expires-at', 'soon']),
      await ratecard(['grant', 'acme', '--amount', '5', '--reason', 'x', '--priority', '1001']),
    ];
    expect(bad.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(bad[3].stderr).toContain('--expires-at takes an ISO 8601 time');
    const past = await ratecard(['grant', 'acme', '--amount', '5', '--reason', 'x', '--expires-at', '2020-01-01T00:00:00Z']);
    expect([past.code, past.stderr]).toEqual([1, expect.stringContaining('INVALID_GRANT: a grant must expire after now')]);
    expect((await ratecard(['grants', 'nobody'])).stderr).toContain('ACCOUNT_NOT_FOUND');
  });
});
