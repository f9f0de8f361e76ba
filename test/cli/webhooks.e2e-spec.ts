import { Ledger, openDatabase, parseDatabaseUrl, StaticRules, Webhooks, type DatabaseTarget } from '@ratecard/ledger';
import { run } from '../../apps/cli/src/cli';
import { captureIo, type CliResult } from '../support/cli-io';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled, NOW, REPO_ROOT } from '../support/rules';

// Webhook deliveries through the CLI, as an operator looks into them on the service's database:
// the webhooks, the events written, each delivery's status, and replaying an event.

describe.each(DATABASE_KINDS)('ratecard webhooks on %s', (kind) => {
  let url: string;
  let webhookId: string;

  const ratecard = async (argv: string[]): Promise<CliResult> => {
    const io = { ...captureIo(), env: { DATABASE_URL: url, USER: 'ops-ann' } };
    const code = await run(argv, io);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };

  beforeAll(async () => {
    url = (await freshDatabase(kind)).url;
    expect((await ratecard(['publish', '-m', 'bundled rules', '--activate'])).code).toBe(0);
    const db = await openDatabase(parseDatabaseUrl(url, REPO_ROOT) as DatabaseTarget);
    webhookId = (await new Webhooks(db, { allowPrivate: true }).create({ url: 'http://127.0.0.1:9/hooks', events: ['account.plan_changed'] }, NOW, { actor: 'test' })).id;
    const ledger = new Ledger(db, new StaticRules(await compileBundled()));
    await ledger.createAccount({ id: 'acme', plan: 'basic', billingAnchor: 20 }, NOW, { actor: 'test' });
    await ledger.changePlan('acme', 'pro', NOW, { actor: 'test' });
    await ledger.close();
    await db.close();
  }, 60_000);

  it('lists webhooks, events and deliveries, and replays an event', async () => {
    expect((await ratecard(['webhooks', 'list'])).stdout).toBe(`${webhookId}  active      http://127.0.0.1:9/hooks  account.plan_changed`);
    const events = JSON.parse((await ratecard(['webhooks', 'events', '--account', 'acme', '--json'])).stdout);
    expect(events.map((e: { type: string; data: unknown }) => [e.type, e.data])).toEqual([['account.plan_changed', { accountId: 'acme', from: 'basic', to: 'pro', kind: 'upgrade', cause: 'request' }]]);
    const eventId = events[0].id as string;

    const pending = (await ratecard(['webhooks', 'deliveries', '--status', 'pending'])).stdout;
    expect(pending).toMatch(new RegExp(`^\\s+\\d+  pending    ${eventId}  account\\.plan_changed\\s+acme\\s+${webhookId}  attempts 0\\s+next 2026-03-15T12:00:00\\.000Z$`));

    const replay = await ratecard(['webhooks', 'replay', eventId]);
    expect([replay.code, replay.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^replaying ${eventId} to ${webhookId}: the service's dispatcher sends it \\(deliveries \\d+\\)$`))]);
    const all = JSON.parse((await ratecard(['webhooks', 'deliveries', '--event', eventId, '--json'])).stdout);
    expect(all.map((d: { origin: string; status: string }) => [d.origin, d.status])).toEqual([
      ['replay', 'pending'],
      ['event', 'pending'],
    ]);
  });

  it('says what is wrong, and changes nothing', async () => {
    const missing = await ratecard(['webhooks', 'replay', 'evt_nope']);
    expect([missing.code, missing.stderr]).toEqual([1, 'ratecard webhooks: EVENT_NOT_FOUND: event `evt_nope` does not exist']);
    expect((await ratecard(['webhooks', 'deliveries', '--status', 'lost'])).code).toBe(2);
    expect((await ratecard(['webhooks', 'replay'])).code).toBe(2);
    expect((await ratecard(['webhooks', 'frobnicate'])).code).toBe(2);
  });
});
