import { formatCredits, fromCredits } from '@ratecard/dsl';
import { Ledger, StaticRules, type GrantView } from '@ratecard/ledger';
import { cliCaller, withStore, type Store } from '../db';
import { EXIT, UsageError, type CliIo } from '../io';

/** A ledger over the store, priced by the active rule set (as the service would be). */
async function ledgerOf(store: Store): Promise<Ledger> {
  const active = await store.versions.active();
  if (!active) throw new UsageError('no rule set is active yet: publish and activate one first (`ratecard publish --activate`)');
  return new Ledger(store.db, new StaticRules(await store.versions.compile(active.version)), { chargeBatch: 0 });
}

function line(g: GrantView): string {
  const left = `${formatCredits(g.remainingMillicredits, { group: true })} of ${formatCredits(g.amountMillicredits, { group: true })} cr`;
  const expires = g.expiresAt ? `${g.status === 'expired' ? 'expired' : 'expires'} ${g.expiresAt.replace('T00:00:00.000Z', '').replace('.000Z', 'Z')}` : 'never expires';
  return `${g.id}  ${g.source.padEnd(9)}  ${left.padEnd(24)}  ${expires.padEnd(28)}  priority ${String(g.priority).padEnd(4)}  ${g.reason}`;
}

/** `ratecard grants <account> [--all]`: the account's grants, live ones in the order they are drawn. */
export async function listGrants(io: CliIo, account: string, opts: { all: boolean; json: boolean }): Promise<number> {
  return withStore(
    io,
    async (store) => {
      const ledger = await ledgerOf(store);
      try {
        const items: GrantView[] = [];
        if (opts.all) {
          let cursor: string | undefined;
          do {
            const page = await ledger.grants(account, { limit: 500, status: 'all', ...(cursor ? { cursor } : {}) }, io.now());
            items.push(...page.items);
            cursor = page.next ?? undefined;
          } while (cursor);
        } else items.push(...(await ledger.getAccount(account, io.now())).grants);
        if (opts.json) io.out(JSON.stringify(items, null, 2));
        else if (items.length === 0) io.out(`${account} has no ${opts.all ? '' : 'live '}grants`);
        else for (const g of items) io.out(line(g));
        return EXIT.ok;
      } finally {
        await ledger.close();
      }
    },
    { mustExist: true },
  );
}

/** `ratecard grant <account> --amount N --reason R [--expires-at T|never] [--priority P] [--key K]`. */
export async function grant(io: CliIo, account: string, opts: { amount?: string; reason?: string; expiresAt?: string; priority?: string; key?: string; json: boolean }): Promise<number> {
  const amountMc = opts.amount === undefined ? undefined : fromCredits(Number(opts.amount.replace(/,/g, '')));
  if (amountMc === undefined || amountMc <= 0) throw new UsageError('grant needs --amount: a positive number of credits with at most three decimals');
  if (!opts.reason) throw new UsageError('grant needs --reason: why the credits are granted, for the ledger');
  let expiresAt: Date | null | undefined;
  if (opts.expiresAt !== undefined) {
    expiresAt = opts.expiresAt === 'never' ? null : new Date(opts.expiresAt);
    if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new UsageError('--expires-at takes an ISO 8601 time (such as 2027-03-01T00:00:00Z) or `never`');
  }
  const priority = opts.priority === undefined ? undefined : Number(opts.priority);
  if (priority !== undefined && (!Number.isInteger(priority) || priority < 0 || priority > 1000)) throw new UsageError('--priority takes a whole number from 0 to 1000 (lower is used first)');
  return withStore(
    io,
    async (store) => {
      const ledger = await ledgerOf(store);
      try {
        const { body, replayed } = await ledger.grant(
          account,
          { amountMc, reason: opts.reason!, ...(expiresAt !== undefined ? { expiresAt } : {}), ...(priority !== undefined ? { priority } : {}) },
          opts.key,
          io.now(),
          cliCaller(io),
        );
        if (opts.json) io.out(JSON.stringify(body, null, 2));
        else io.out(`${replayed ? 'already granted (same key): ' : 'granted '}${line(body.grant)}\n${account} balance: ${formatCredits(body.balanceMillicredits, { group: true })} cr`);
        return EXIT.ok;
      } finally {
        await ledger.close();
      }
    },
    { mustExist: true },
  );
}
