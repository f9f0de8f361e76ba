import { parseArgs, type ParseArgsConfig } from 'node:util';
import { quote } from './commands/quote';
import { table } from './commands/table';
import { test } from './commands/test';
import { validate } from './commands/validate';
import { EXIT, UsageError, type CliIo } from './io';

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
    summary: 'price one request for a plan',
    usage: 'quote --plan P --action A [--param k=v ...] [--balance N] [--used action=N ...] [--confirm] [--rules DIR] [--json]',
    options: {
      ...rules,
      plan: { type: 'string' },
      action: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      balance: { type: 'string' },
      used: { type: 'string', multiple: true, default: [] },
      confirm: { type: 'boolean', default: false },
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
      });
    },
  },
  test: {
    summary: 'run the expected-result cases (*.test.yaml) next to the rules',
    usage: 'test [--rules DIR] [--verbose]',
    options: { ...rules, verbose: { type: 'boolean', short: 'v', default: false } },
    run: (io, v) => test(io, { rules: v.rules as string, verbose: v.verbose as boolean }),
  },
  table: {
    summary: 'print the price list generated from the rules',
    usage: 'table [--rules DIR] [--format md|json]',
    options: { ...rules, format: { type: 'string', default: 'md' } },
    run: (io, v) => table(io, { rules: v.rules as string, format: v.format as string }),
  },
};

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
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`ratecard ${name}: ${(e as Error).message}\nusage: ratecard ${command.usage}`);
      return EXIT.usage;
    }
    io.err(`ratecard ${name}: ${(e as Error).message}`);
    return EXIT.failed;
  }
}
