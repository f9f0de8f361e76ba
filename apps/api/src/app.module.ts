import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Logger, Module, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ApiKeys, Audit, databaseOf, Ledger, ormOptions, Outbox, RuleVersions, Webhooks, type Database } from '@ratecard/ledger';
import type { ValidationError } from 'class-validator';
import { AccountsController } from './accounts/accounts.controller';
import { ChargesController } from './charges/charges.controller';
import type { AppConfig } from './config';
import { DecisionsController } from './decisions/decisions.controller';
import { HoldsController } from './holds/holds.controller';
import { ApiKeyGuard } from './http/auth';
import { problem, ProblemException } from './http/problem';
import { ProblemFilter } from './http/problem.filter';
import { KeysController } from './keys/keys.controller';
import { AdminBootstrap } from './ops/admin-bootstrap';
import { MetricsService } from './ops/metrics.service';
import { OpsController } from './ops/ops.controller';
import { BundleController } from './rulesets/bundle.controller';
import { RulesService } from './rulesets/rules.service';
import { RulesetsController } from './rulesets/rulesets.controller';
import { CLOCK, CONFIG, DATABASE, systemClock, type Clock } from './tokens';
import { WebhookDispatcher } from './webhooks/dispatcher';
import { Sweeper } from './webhooks/sweeper';
import { EventsController, WebhooksController } from './webhooks/webhooks.controller';

/** Options for tests and tools: a frozen clock. */
export interface AppOptions {
  readonly clock?: Clock;
}

/** Flattens class-validator's tree into `{ field, message }` pairs. */
function fieldErrors(errors: readonly ValidationError[], prefix = ''): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message: message.replace(/^property (\S+) should not exist$/, 'unknown field `$1`') }));
    return [...own, ...fieldErrors(e.children ?? [], field)];
  });
}

const ormLog = new Logger('database');
const ledgerLog = new Logger('ledger');

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MikroOrmModule.forRoot({
          ...ormOptions(config.database, { poolSize: config.dbPoolSize, logger: (message) => ormLog.log(message.replace(/\x1b\[[0-9;]*m/g, '')) }),
          registerRequestContext: false,
        }),
      ],
      controllers: [AccountsController, DecisionsController, ChargesController, HoldsController, KeysController, RulesetsController, BundleController, WebhooksController, EventsController, OpsController],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: DATABASE,
          inject: [MikroORM],
          useFactory: async (orm: MikroORM): Promise<Database> => {
            const db = databaseOf(orm, config.database.kind);
            if (config.migrate) await db.migrate();
            return db;
          },
        },
        { provide: RuleVersions, inject: [DATABASE], useFactory: (db: Database) => new RuleVersions(db) },
        { provide: ApiKeys, inject: [DATABASE], useFactory: (db: Database) => new ApiKeys(db) },
        { provide: Audit, inject: [DATABASE], useFactory: (db: Database) => new Audit(db) },
        RulesService,
        {
          provide: Ledger,
          inject: [DATABASE, RulesService],
          useFactory: (db: Database, rules: RulesService) =>
            new Ledger(db, rules, {
              holdTtlSeconds: config.holdTtlSeconds,
              maxHoldTtlSeconds: config.maxHoldTtlSeconds,
              chargeBatch: config.chargeBatch,
              onLogError: (e, rows) => ledgerLog.error(`lost ${rows} quote log rows: ${(e as Error).message}`),
            }),
        },
        { provide: Webhooks, inject: [DATABASE], useFactory: (db: Database) => new Webhooks(db, { allowPrivate: config.webhookAllowPrivateUrls }) },
        { provide: Outbox, inject: [DATABASE], useFactory: (db: Database) => new Outbox(db) },
        WebhookDispatcher,
        Sweeper,
        MetricsService,
        ApiKeyGuard,
        AdminBootstrap,
        { provide: APP_GUARD, useExisting: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
            exceptionFactory: (errors) => {
              const list = fieldErrors(errors);
              return new ProblemException(problem(400, 'INVALID_REQUEST', list.map((e) => `${e.field}: ${e.message}`).join('; ') || 'the request is invalid', { errors: list }));
            },
          }),
        },
      ],
    };
  }
}
