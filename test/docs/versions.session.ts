import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiHarness, START, type Json } from '../support/api';
import { RULES_DIR } from '../support/rules';
import { Session } from './outputs';

// The story docs/versions.md tells, run for real: a service on SQLite that logged charges for two
// accounts; Alice (a PM) changes a price, is stopped by her cases, updates them, diffs, previews,
// publishes and activates; adds an Enterprise plan; tries to roll back, is refused because an
// account is on Enterprise, and rolls back with a plan mapping; publishes a change whose cases
// follow later and corrects them. Bob (an auditor) asks what happened.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Replaces text that must occur exactly once in a rule file of the session. */
function edit(dir: string, file: string, from: string, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (text.split(from).length !== 2) throw new Error(`\`${from}\` is not in ${file} exactly once`);
  writeFileSync(path, text.replace(from, to));
}

/** The fields of an object, in order (a `jq` projection). */
function pick(o: Json, keys: readonly string[]): Json {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

/** `curl` as shown in the docs, and the JSON it prints (projected as the shown `jq` filter does). */
function curl(command: string, body: unknown): string {
  return `$ ${command}\n${typeof body === 'string' ? body : JSON.stringify(body, null, 2)}`;
}

export async function versionsSession(): Promise<Map<string, string>> {
  const s = new Session(START);
  const api = new ApiHarness('sqlite', { DATABASE_URL: s.databaseUrl, RULES_POLL_MS: '3600000' });
  const at = (ms: number): void => {
    s.set(new Date(START.getTime() + ms));
    api.clock.set(s.now);
  };
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=Alice', '-c', 'user.email=alice@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: s.dir, encoding: 'utf8' });
  try {
    // The service's first start publishes and activates the bundled rules, as `system`.
    await api.start();
    cpSync(RULES_DIR, join(s.dir, 'rules'), { recursive: true });
    git('init', '-q');
    git('add', 'rules');
    git('commit', '-q', '-m', 'price list');
    // Six days of traffic: acme (Basic) and studio (Pro).
    at(5 * MINUTE);
    await api.admin.post('/v1/accounts', { id: 'acme', plan: 'basic' });
    await api.admin.post('/v1/accounts', { id: 'studio', plan: 'pro' });
    const charge = async (accountId: string, action: string, when: number): Promise<void> => {
      at(when);
      await api.charge({ accountId, action });
    };
    for (let i = 0; i < 3; i++) await charge('acme', 'chat.edit', DAY + i * HOUR);
    await charge('acme', 'image.generate', DAY + 3 * HOUR);
    await charge('acme', 'business-os.chat', 2 * DAY); // denied on Basic, and logged
    await charge('studio', 'business-os.chat', 3 * DAY);
    await charge('studio', 'business-os.chat', 3 * DAY + HOUR);
    await charge('studio', 'chat.edit', 3 * DAY + 2 * HOUR);

    // Alice raises chat edits to 0.75 cr, on a copy of the rules.
    at(6 * DAY - 3 * HOUR);
    cpSync(join(s.dir, 'rules'), join(s.dir, 'rules-next'), { recursive: true });
    edit(join(s.dir, 'rules-next'), 'editing.yaml', 'rate: 0.5 cr/edit,', 'rate: 0.75 cr/edit,');
    await s.cli('validate', ['validate', '--rules', 'rules-next']);
    await s.cli('test-fails', ['test', '--rules', 'rules-next']);
    await s.cli('publish-refused', ['publish', '--rules', 'rules-next', '-m', 'chat edits 0.75 cr']);
    await s.cli('test-update', ['test', '--rules', 'rules-next', '--update']);
    await s.cli('test-passes', ['test', '--rules', 'rules-next']);
    await s.cli('versions-first', ['versions']);
    await s.cli('diff', ['diff', 'active', 'rules-next']);
    await s.cli('diff-md', ['diff', 'active', 'rules-next', '--format', 'md']);
    await s.cli('impact', ['impact', '--candidate', 'rules-next', '--since', '30d']);
    at(6 * DAY - 2 * HOUR);
    const published = await s.cli('publish', ['publish', '--rules', 'rules-next', '-m', 'chat edits 0.75 cr: surgical patches now run on the larger model']);
    const v2 = /published (\w{12})/.exec(published.text)![1];
    at(6 * DAY - 2 * HOUR + MINUTE);
    await s.cli('activate', ['activate', v2.slice(0, 8)]);
    await s.cli('versions-activated', ['versions']);

    // The service follows the activation; the next charge is priced by the new version, end to end.
    await api.refreshRules();
    at(6 * DAY - 2 * HOUR + 2 * MINUTE);
    const traced = (await api.charge({ accountId: 'acme', action: 'chat.edit' })).body as Json;
    const shown = await api.auditor.get(`/v1/charges/${traced.id}`);
    s.record(
      'trace-charge',
      curl(`curl -s localhost:3000/v1/charges/$CHARGE_ID -H "authorization: Bearer $AUDITOR_KEY" | jq '{accountId, action, cost, rulesetVersion, entryId, createdAt}'`, pick(shown.body as Json, ['accountId', 'action', 'cost', 'rulesetVersion', 'entryId', 'createdAt'])),
    );
    const entry = ((await api.auditor.get('/v1/accounts/acme/ledger?limit=1')).body as Json).items[0];
    s.record(
      'trace-entry',
      curl(`curl -s "localhost:3000/v1/accounts/acme/ledger?limit=1" -H "authorization: Bearer $AUDITOR_KEY" | jq '.items[0] | {id, kind, amount, balanceAfter, action, rulesetVersion, reason}'`, pick(entry, ['id', 'kind', 'amount', 'balanceAfter', 'action', 'rulesetVersion', 'reason'])),
    );
    const decision = ((await api.auditor.get('/v1/decisions?accountId=acme&rulesetVersion=active&limit=1')).body as Json).items[0];
    s.record(
      'trace-decision',
      curl(
        `curl -s "localhost:3000/v1/decisions?accountId=acme&rulesetVersion=active&limit=1" -H "authorization: Bearer $AUDITOR_KEY" | jq '.items[0] | {kind, plan, action, allowed, cost, rulesetVersion, balanceMillicredits, receipt: [.decision.breakdown[].label]}'`,
        { ...pick(decision, ['kind', 'plan', 'action', 'allowed', 'cost', 'rulesetVersion', 'balanceMillicredits']), receipt: (decision.decision.breakdown as Json[]).map((b) => b.label) },
      ),
    );
    const source = await s.cli(undefined, ['show', 'active', '--file', 'editing.yaml']);
    s.record('trace-source', `$ ratecard show active --file editing.yaml | sed -n 6,10p\n${source.text.split('\n').slice(5, 10).join('\n')}`);

    // An Enterprise plan, and an account on it.
    at(6 * DAY - HOUR);
    cpSync(join(s.dir, 'rules-next'), join(s.dir, 'rules-enterprise'), { recursive: true });
    edit(join(s.dir, 'rules-enterprise'), 'plans.yaml', '\n# "Credits reset', '\n  - id: enterprise\n    name: Enterprise\n    allowance: 50,000 cr\n\n# "Credits reset');
    await s.cli('publish-enterprise', ['publish', '--rules', 'rules-enterprise', '-m', 'Enterprise plan, 50,000 cr', '--activate']);
    await api.refreshRules();
    at(6 * DAY - 30 * MINUTE);
    const bigco = await api.admin.post('/v1/accounts', { id: 'bigco', plan: 'enterprise' });
    s.record(
      'create-enterprise-account',
      curl(
        `curl -s -X POST localhost:3000/v1/accounts -H "authorization: Bearer $ADMIN_KEY" -H 'content-type: application/json' -d '{"id":"bigco","plan":"enterprise"}' | jq '{id, plan, balance}'`,
        { id: bigco.body.id, plan: bigco.body.plan, balance: bigco.body.balance },
      ),
    );
    await charge('bigco', 'video.generate', 6 * DAY - 20 * MINUTE);

    // Billing is not ready for Enterprise: Alice rolls back.
    at(6 * DAY);
    await s.cli('diff-rollback', ['diff', 'active', 'previous']);
    await s.cli('rollback-refused', ['rollback']);
    const refused = await api.admin.post('/v1/rulesets/rollback');
    const r = refused.body as Json;
    s.record(
      'rollback-refused-api',
      curl(`curl -s -X POST localhost:3000/v1/rulesets/rollback -H "authorization: Bearer $ADMIN_KEY" | jq '{status, code, detail, plans: .report.plans}'`, {
        status: r.status,
        code: r.code,
        detail: r.detail,
        plans: r.report.plans,
      }),
    );
    await s.cli('rollback-dry-run', ['rollback', '--dry-run', '--migrate-plan', 'enterprise=premium']);
    at(6 * DAY + 5 * MINUTE);
    await s.cli('rollback-mapped', ['rollback', '--migrate-plan', 'enterprise=premium']);
    await api.refreshRules();
    const ledger = await api.auditor.get('/v1/accounts/bigco/ledger?limit=1');
    const e = (ledger.body as Json).items[0];
    s.record(
      'ledger-plan-entry',
      curl(`curl -s "localhost:3000/v1/accounts/bigco/ledger?limit=1" -H "authorization: Bearer $AUDITOR_KEY" | jq '.items[0] | {kind, amount, balanceAfter, plan, rulesetVersion, reason, createdAt}'`, {
        kind: e.kind,
        amount: e.amount,
        balanceAfter: e.balanceAfter,
        plan: e.plan,
        rulesetVersion: e.rulesetVersion,
        reason: e.reason,
        createdAt: e.createdAt,
      }),
    );
    await s.cli('activations', ['versions', '--activations']);

    // A change published before its cases, with a reason; the cases follow as revision 2.
    at(7 * DAY);
    cpSync(join(s.dir, 'rules-next'), join(s.dir, 'rules-brainstorm'), { recursive: true });
    edit(join(s.dir, 'rules-brainstorm'), 'editing.yaml', 'description: AI suggests 5–8 site ideas\n    price: 1 cr', 'description: AI suggests 5–8 site ideas\n    price: 0.5 cr');
    const forced = await s.cli('publish-forced', ['publish', '--rules', 'rules-brainstorm', '-m', 'brainstorms at 0.5 cr', '--force', '--reason', 'the launch needs the price today; the cases follow']);
    const v4 = /published (\w{12})/.exec(forced.text)![1];
    at(7 * DAY + HOUR);
    await s.cli(undefined, ['test', '--rules', 'rules-brainstorm', '--update']);
    await s.cli('publish-cases', ['publish', '--rules', 'rules-brainstorm', '-m', 'brainstorm cases at 0.5 cr']);
    await s.cli('show', ['show', v4]);

    // The auditor's questions.
    await s.cli('versions-auditor', ['versions']);
    const audit = await api.auditor.get('/v1/audit?limit=100');
    const events = ((audit.body as Json).items as Json[]).filter((x) => x.event.startsWith('ruleset.') || (x.event === 'account.plan' && x.details.kind === 'mapping'));
    s.record(
      'audit',
      curl(
        `curl -s "localhost:3000/v1/audit?limit=100" -H "authorization: Bearer $AUDITOR_KEY" | jq -c '.items[] | select(.event | startswith("ruleset.") or . == "account.plan") | {createdAt, actor, event, target: .target[:12]}'`,
        events
          .filter((x) => x.event.startsWith('ruleset.') || x.details.kind === 'mapping')
          .map((x) => JSON.stringify({ createdAt: x.createdAt, actor: x.actor, event: x.event, target: x.target.slice(0, 12) }))
          .join('\n'),
      ),
    );
    const v1 = /(\w{12})  [\d-]+ [\d:]+  system/.exec((await s.cli(undefined, ['versions'])).text)![1];
    await s.cli('diff-versions', ['diff', v1, v2, '--cells']);
    const text = await api.auditor.get(`/v1/rulesets/diff?from=${v1}&to=${v2}&format=text`);
    s.record('diff-api', curl(`curl -s "localhost:3000/v1/rulesets/diff?from=${v1}&to=${v2}&format=text" -H "authorization: Bearer $AUDITOR_KEY"`, text.body as string));

    // CI: the rules repository, after Alice copied rules-next over rules.
    rmSync(join(s.dir, 'rules'), { recursive: true });
    cpSync(join(s.dir, 'rules-next'), join(s.dir, 'rules'), { recursive: true });
    await s.cli('ci-guard', ['diff', 'HEAD', 'rules', '--fail-on', 'tightened,price-increase']);
    git('commit', '-q', '-am', 'chat edits 0.75 cr');
    await s.cli('ci-pass', ['diff', 'HEAD~1', 'HEAD', '--fail-on', 'tightened']);

    // A price change for a date: scheduled, listed, and one schedule cancelled.
    at(8 * DAY);
    cpSync(join(s.dir, 'rules-next'), join(s.dir, 'rules-april'), { recursive: true });
    edit(join(s.dir, 'rules-april'), 'editing.yaml', 'description: AI suggests 5–8 site ideas\n    price: 1 cr', 'description: AI suggests 5–8 site ideas\n    price: 1.5 cr');
    await s.cli(undefined, ['test', '--rules', 'rules-april', '--update']);
    await s.cli('publish-scheduled', ['publish', '--rules', 'rules-april', '-m', 'brainstorms at 1.5 cr from April', '--activate-at', '2026-04-01']);
    await s.cli('activate-scheduled', ['activate', 'previous', '--at', '2026-04-15T09:00Z']);
    const id = /cancel-activation (\d+)\)/.exec(s.outputs.get('activate-scheduled') ?? '')![1];
    await s.cli('activations-scheduled', ['versions', '--activations']);
    await s.cli('cancel-activation', ['cancel-activation', id]);
    return s.outputs;
  } finally {
    await api.stop();
    rmSync(s.dir, { recursive: true, force: true });
  }
}
