import { Account } from './account.entity';
import { ApiKey } from './api-key.entity';
import { AuditEvent } from './audit-event.entity';
import { Charge } from './charge.entity';
import { CreditGrant } from './credit-grant.entity';
import { DecisionLog } from './decision-log.entity';
import { EntryAllocation } from './entry-allocation.entity';
import { Hold } from './hold.entity';
import { IdempotencyRecord } from './idempotency-record.entity';
import { LedgerEntry } from './ledger-entry.entity';
import { OutboxEvent } from './outbox-event.entity';
import { RulesetActivation } from './ruleset-activation.entity';
import { RulesetCases } from './ruleset-cases.entity';
import { RulesetVersion } from './ruleset-version.entity';
import { UsageCounter } from './usage-counter.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { Webhook } from './webhook.entity';

export * from './account.entity';
export * from './api-key.entity';
export * from './audit-event.entity';
export * from './charge.entity';
export * from './credit-grant.entity';
export * from './decision-log.entity';
export * from './entry-allocation.entity';
export * from './hold.entity';
export * from './idempotency-record.entity';
export * from './ledger-entry.entity';
export * from './outbox-event.entity';
export * from './ruleset-activation.entity';
export * from './ruleset-cases.entity';
export * from './ruleset-version.entity';
export * from './usage-counter.entity';
export * from './webhook-delivery.entity';
export * from './webhook.entity';

/** Every entity of the ledger, for the ORM configuration. */
export const ENTITIES = [Account, LedgerEntry, CreditGrant, EntryAllocation, Charge, Hold, UsageCounter, IdempotencyRecord, DecisionLog, ApiKey, RulesetVersion, RulesetActivation, RulesetCases, AuditEvent, OutboxEvent, Webhook, WebhookDelivery];
