import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LedgerError, VERSION_NAME_HELP } from '@ratecard/ledger';
import { diff } from './commands/diff';
import { grant, listGrants } from './commands/grants';
import { impact } from './commands/impact';
import { pull } from './commands/pull';
import { keys, migrate, verify } from './commands/keys';
import { quote } from './commands/quote';
import { table } from './commands/table';
import { test } from './commands/test';
import { validate } from './commands/validate';
import { show } from './commands/show';
import { activate, cancelActivation, listVersions, publish, rollback } from './commands/versions';
import { webhooks } from './commands/webhooks';
import { EXIT, UsageError, type CliIo } from './io';
import { SWITCH_OPTIONS, switchOptionsOf } from './switch-output';

/** One verb of the CLI: its options and what it does. */
interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly positionals?: boolean;
  run(io: CliIo, values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const rules = { rules: { type: 'string', default: 'rules' } } as const;

const COMMANDS: Record<string, Command> = {
  validate: {
    summary: 'check the rule files; every error as file:line:col: code: message',
    usage: 'validate [--rules DIR]',
    options: { ...rules },
    run: (io, v) => validate(io, { rules: v.rules as string }),
  },
  quote: {
    summary: 'price one request for a plan, at a time (--at); a denial shows its options',
    usage: 'quote --plan P --action A [--param k=v ...] [--balance N] [--used action=N ...] [--confirm] [--at ISO-TIME] [--cycle-end ISO-TIME] [--rules DIR] [--json]',
    options: {
      ...rules,
      plan: { type: 'string' },
      action: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      balance: { type: 'string' },
      used: { type: 'string', multiple: true, default: [] },
      confirm: { type: 'boolean', default: false },
      at: { type: 'string' },
      'cycle-end': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    run: (io, v) => {
      if (!v.plan || !v.action) throw new UsageError('quote needs --plan and --action');
      return quote(io, {
        rules: v.rules as string,
        plan: v.plan as string,
        action: v.action as string,
        param: v.param as string[],
        ...(v.balance !== undefined ? { balance: v.balance as string } : {}),
        used: v.used as string[],
        confirm: v.confirm as boolean,
        json: v.json as boolean,
        ...(v.at !== undefined ? { at: v.at as string } : {}),
        ...(v['cycle-end'] !== undefined ? { cycleEnd: v['cycle-end'] as string } : {}),
      });
    },
  },
  test: {
    summary: 'run the expected-result cases (*.test.yaml) next to the rules; --update rewrites the failing ones',
    usage: 'test [--rules DIR] [--verbose] [--update]',
    options: { ...rules, verbose: { type: 'boolean', short: 'v', default: false }, update: { type: 'boolean', default: false } },
    run: (io, v) => test(io, { rules: v.rules as string, verbose: v.verbose as boolean, update: v.update as boolean }),
  },
  table: {
    summary: 'print the price list generated from the rules: for customers (the default) or --audience internal',
    usage: 'table [--rules DIR] [--audience customer|internal] [--format md|html|json] [--at ISO-TIME]',
    options: { ...rules, format: { type: 'string', default: 'md' }, audience: { type: 'string', default: 'customer' }, at: { type: 'string' } },
    run: (io, v) => table(io, { rules: v.rules as string, format: v.format as string, audience: v.audience as string, ...(v.at !== undefined ? { at: v.at as string } : {}) }),
  },
  publish: {
    summary: 'validate, run the cases and publish the rules as a version (DATABASE_URL); --activate makes it active',
    usage: 'publish [--rules DIR] -m "message" [--activate [--migrate-plan FROM=TO ...] | --activate-at ISO-TIME] [--force --reason "why"] [--author NAME]',
    options: { ...rules, message: { type: 'string', short: 'm' }, activate: { type: 'boolean', default: false }, 'activate-at': { type: 'string' }, author: { type: 'string' }, ...SWITCH_OPTIONS },
    run: (io, v) => {
      if (!v.message) throw new UsageError('publish needs a message: -m "what changed and why"');
      if (v.at !== undefined) throw new UsageError('publish schedules with --activate-at ISO-TIME');
      const options = switchOptionsOf(v);
      const activate = (v.activate as boolean) || options.at !== undefined;
      if (options.migratePlans?.length && !activate) throw new UsageError('--migrate-plan goes with --activate');
      return publish(io, { rules: v.rules as string, message: v.message as string, activate, ...(v.author ? { author: v.author as string } : {}), ...options });
    },
  },
  versions: {
    summary: 'list published versions, newest first (* = active); --activations: who activated what, when',
    usage: 'versions [--activations] [--json]',
    options: { json: { type: 'boolean', default: false }, activations: { type: 'boolean', default: false } },
    run: (io, v) => listVersions(io, { json: v.json as boolean, activations: v.activations as boolean }),
  },
  show: {
    summary: 'a published version: author, date, message, parent, files and case revisions',
    usage: 'show <version> [--file NAME] [--json]',
    options: { json: { type: 'boolean', default: false }, file: { type: 'string' } },
    positionals: true,
    run: (io, v, args) => {
      if (args.length !== 1) throw new UsageError(`show needs one version: ${VERSION_NAME_HELP}`);
      return show(io, args[0], { json: v.json as boolean, ...(v.file !== undefined ? { file: v.file as string } : {}) });
    },
  },
  activate: {
    summary: 'make a published version active, if that strands no account (the API follows within seconds)',
    usage: 'activate <version> [--at ISO-TIME | --migrate-plan FROM=TO ...] [--force --reason "why"] [--dry-run]',
    options: { ...SWITCH_OPTIONS, 'dry-run': { type: 'boolean', default: false } },
    positionals: true,
    run: (io, v, args) => {
      if (args.length !== 1) throw new UsageError(`activate needs one version: ${VERSION_NAME_HELP}`);
      return activate(io, args[0], { ...switchOptionsOf(v), dryRun: v['dry-run'] as boolean });
    },
  },
  rollback: {
    summary: 'activate the version that was active before the current one, guarded as activate',
    usage: 'rollback [--at ISO-TIME | --migrate-plan FROM=TO ...] [--force --reason "why"] [--dry-run]',
    options: { ...SWITCH_OPTIONS, 'dry-run': { type: 'boolean', default: false } },
    run: (io, v) => rollback(io, { ...switchOptionsOf(v), dryRun: v['dry-run'] as boolean }),
  },
  'cancel-activation': {
    summary: 'withdraw a scheduled activation before its time (ratecard versions --activations lists them)',
    usage: 'cancel-activation <activation id>',
    options: {},
    positionals: true,
    run: (io, _v, args) => {
      if (args.length !== 1 || !/^[1-9]\d{0,9}$/.test(args[0])) throw new UsageError('cancel-activation needs one activation id (a number; see ratecard versions --activations)');
      return cancelActivation(io, args[0]);
    },
  },
  diff: {
    summary: 'what changed between two rule sets (directories, versions or git revisions): in short, by group, --cells for each cell',
    usage: 'diff <from> <to> [--format text|md|json] [--cells] [--fail-on tightened,loosened,price-increase,price-decrease,added,removed,any] [--rules-path rules] [--limit N]',
    options: { format: { type: 'string', default: 'text' }, cells: { type: 'boolean', default: false }, 'fail-on': { type: 'string', default: '' }, 'rules-path': { type: 'string', default: 'rules' }, limit: { type: 'string', default: '200' } },
    positionals: true,
    run: (io, v, args) => {
      if (args.length !== 2) throw new UsageError('diff needs two rule sets: a directory, a version id or a git revision each');
      const limit = Number(v.limit);
      if (!Number.isInteger(limit) || limit < 0) throw new UsageError('--limit takes a whole number');
      return diff(io, { from: args[0], to: args[1], format: v.format as string, failOn: v['fail-on'] as string, rulesPath: v['rules-path'] as string, limit, cells: v.cells as boolean });
    },
  },
  impact: {
    summary: 'replay logged decisions under candidate rules and report what would change (writes nothing)',
    usage: 'impact --candidate <dir|version|git revision> [--since 30d] [--format text|json] [--rules-path rules]',
    options: { candidate: { type: 'string' }, since: { type: 'string', default: '30d' }, format: { type: 'string', default: 'text' }, 'rules-path': { type: 'string', default: 'rules' } },
    run: (io, v) => {
      if (!v.candidate) throw new UsageError('impact needs --candidate: a directory, a published version or a git revision');
      return impact(io, { candidate: v.candidate as string, since: v.since as string, format: v.format as string, rulesPath: v['rules-path'] as string });
    },
  },
  pull: {
    summary: "write a published version's files, or a Studio draft's, to a directory (DATABASE_URL)",
    usage: 'pull <version|draft> --to DIR [--revision N] [--prune]',
    options: { to: { type: 'string' }, revision: { type: 'string' }, prune: { type: 'boolean', default: false } },
    positionals: true,
    run: (io, v, args) => {
      if (args.length !== 1) throw new UsageError('pull needs one version id (or unique prefix) or draft id');
      if (!v.to) throw new UsageError('pull needs --to DIR');
      return pull(io, { what: args[0], to: v.to as string, prune: v.prune as boolean, ...(v.revision !== undefined ? { revision: v.revision as string } : {}) });
    },
  },
  keys: {
    summary: 'create, list and revoke API keys (DATABASE_URL)',
    usage: 'keys create --role service|admin|auditor [--name N] | keys list | keys revoke <id>',
    options: { role: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false } },
    positionals: true,
    run: (io, v, args) => keys(io, args, { ...(v.role ? { role: v.role as string } : {}), ...(v.name ? { name: v.name as string } : {}), json: v.json as boolean }),
  },
  grants: {
    summary: "an account's grants: live ones in the order they are drawn, or --all (DATABASE_URL)",
    usage: 'grants <account> [--all] [--json]',
    options: { all: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    positionals: true,
    run: (io, v, args) => {
      if (args.length !== 1) throw new UsageError('grants needs one account id');
      return listGrants(io, args[0], { all: v.all as boolean, json: v.json as boolean });
    },
  },
  grant: {
    summary: 'grant credits to an account, with their own expiry and priority (DATABASE_URL)',
    usage: 'grant <account> --amount N --reason "why" [--expires-at ISO|never] [--priority 0-1000] [--key IDEMPOTENCY-KEY] [--json]',
    options: { amount: { type: 'string' }, reason: { type: 'string' }, 'expires-at': { type: 'string' }, priority: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean', default: false } },
    positionals: true,
    run: (io, v, args) => {
      if (args.length !== 1) throw new UsageError('grant needs one account id');
      return grant(io, args[0], {
        ...(v.amount !== undefined ? { amount: v.amount as string } : {}),
        ...(v.reason !== undefined ? { reason: v.reason as string } : {}),
        ...(v['expires-at'] !== undefined ? { expiresAt: v['expires-at'] as string } : {}),
        ...(v.priority !== undefined ? { priority: v.priority as string } : {}),
        ...(v.key !== undefined ? { key: v.key as string } : {}),
        json: v.json as boolean,
      });
    },
  },
  webhooks: {
    summary: 'webhooks, their deliveries and the events written; replay an event (DATABASE_URL)',
    usage: 'webhooks list [--all] | webhooks deliveries [--event E] [--webhook W] [--account A] [--status pending|delivered|failed|cancelled] [--limit N] | webhooks events [--account A] [--type T] [--limit N] | webhooks replay <event> [--webhook W]  [--json]',
    options: {
      event: { type: 'string' },
      webhook: { type: 'string' },
      account: { type: 'string' },
      status: { type: 'string' },
      type: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    positionals: true,
    run: (io, v, args) =>
      webhooks(io, args, {
        ...(v.event !== undefined ? { event: v.event as string } : {}),
        ...(v.webhook !== undefined ? { webhook: v.webhook as string } : {}),
        ...(v.account !== undefined ? { account: v.account as string } : {}),
        ...(v.status !== undefined ? { status: v.status as string } : {}),
        ...(v.type !== undefined ? { type: v.type as string } : {}),
        ...(v.limit !== undefined ? { limit: v.limit as string } : {}),
        all: v.all as boolean,
        json: v.json as boolean,
      }),
  },
  verify: {
    summary: "check the ledger's invariants: balances, entry chains, holds, charges, refunds (DATABASE_URL)",
    usage: 'verify [--json]',
    options: { json: { type: 'boolean', default: false } },
    run: (io, v) => verify(io, { json: v.json as boolean }),
  },
  migrate: {
    summary: 'apply pending database migrations (DATABASE_URL)',
    usage: 'migrate',
    options: {},
    run: (io) => migrate(io),
  },
};

/** Ledger errors that say the command line names something wrong: a version, a plan mapping. */
const USAGE_CODES = new Set(['VERSION_NOT_FOUND', 'VERSION_AMBIGUOUS', 'INVALID_PLAN_MAPPING']);

/** Registers more verbs (the service verbs live beside the API wiring). */
export function registerCommands(more: Record<string, Command>): void {
  Object.assign(COMMANDS, more);
}
export type { Command };

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'usage: ratecard <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'ratecard <command> --help shows the options of a command.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. Never throws. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`ratecard: unknown command \`${name}\`\n\n${help()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ratecard ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  try {
    const { values, positionals } = parseArgs({ args: [...rest], options: command.options, allowPositionals: command.positionals ?? false, strict: true });
    return await command.run(io, values as Record<string, unknown>, positionals);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || (e instanceof LedgerError && USAGE_CODES.has(e.code))) {
      io.err(`ratecard ${name}: ${(e as Error).message}\nusage: ratecard ${command.usage}`);
      return EXIT.usage;
    }
    const code = (e as { code?: unknown }).code;
    io.err(`ratecard ${name}: ${typeof code === 'string' && /^[A-Z_]+$/.test(code) ? `${code}: ` : ''}${(e as Error).message}`);
    return EXIT.failed;
  }
}
