import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ApiKeys, Audit, databaseOf, Drafts, Ledger, ormOptions, Outbox, RuleVersions, Webhooks, type Database } from '@ratecard/ledger';
import { AccountListController } from './accounts/account-list.controller';
import { AccountsController } from './accounts/accounts.controller';
import { ChargeEntriesController } from './charges/charge-entries.controller';
import { ChargesController } from './charges/charges.controller';
import type { AppConfig } from './config';
import { DecisionsController } from './decisions/decisions.controller';
import { DraftsController } from './drafts/drafts.controller';
import { HoldsController } from './holds/holds.controller';
import { ApiKeyGuard } from './http/auth';
import { ProblemFilter } from './http/problem.filter';
import { RequestValidationPipe } from './http/validation';
import { KeysController } from './keys/keys.controller';
import { AdminBootstrap } from './ops/admin-bootstrap';
import { MetricsService } from './ops/metrics.service';
import { OpsController } from './ops/ops.controller';
import { BundleController } from './rulesets/bundle.controller';
import { RulesService } from './rulesets/rules.service';
import { RulesetsController } from './rulesets/rulesets.controller';
import { RulesetViewsController } from './rulesets/views.controller';
import { WorkbenchController } from './rulesets/workbench.controller';
import { CLOCK, CONFIG, DATABASE, systemClock, type Clock } from './tokens';
import { WebhookDispatcher } from './webhooks/dispatcher';
import { Sweeper } from './webhooks/sweeper';
import { EventsController, WebhooksController } from './webhooks/webhooks.controller';

/** Options for tests and tools: a frozen clock. */
export interface AppOptions {
  readonly clock?: Clock;
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
      controllers: [AccountsController, AccountListController, DecisionsController, ChargesController, ChargeEntriesController, HoldsController, KeysController, RulesetsController, WorkbenchController, RulesetViewsController, BundleController, DraftsController, WebhooksController, EventsController, OpsController],
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
        { provide: Drafts, inject: [DATABASE, RuleVersions], useFactory: (db: Database, versions: RuleVersions) => new Drafts(db, versions) },
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
        { provide: APP_PIPE, useValue: new RequestValidationPipe() },
      ],
    };
  }
}
