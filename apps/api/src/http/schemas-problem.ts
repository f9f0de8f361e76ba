import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ActivationReportSchema, CaseFailureSchema } from '../rulesets/rulesets.schemas';
import { ERROR_CODES } from './error-codes';
import { DecisionSchema, DiagnosticSchema, FieldErrorSchema } from './schemas';

/**
 * The problem document every error is (RFC 9457), with our `code` and the members some codes add.
 * Every member a problem can carry is listed here (test/api/openapi-responses checks real problems
 * against it, closed): a new member of an error's details needs a line below.
 */
export class ProblemSchema {
  @ApiProperty({ example: 'https://ratecard.dev/problems/insufficient-credits' }) type!: string;
  @ApiProperty({ example: 'Insufficient credits' }) title!: string;
  @ApiProperty({ example: 402 }) status!: number;
  @ApiProperty({ enum: ERROR_CODES, example: 'INSUFFICIENT_CREDITS', description: 'A closed set, each code with one status (README, Errors).' }) code!: string;
  @ApiProperty({ example: 'costs 256 credits and the balance is 100' }) detail!: string;
  @ApiPropertyOptional() instance?: string;
  @ApiPropertyOptional() requestId?: string;
  @ApiPropertyOptional({ type: DecisionSchema, description: 'For denials: the decision, with its `alternatives`.' }) decision?: DecisionSchema;
  @ApiPropertyOptional({ type: [FieldErrorSchema], description: 'INVALID_REQUEST, INVALID_QUERY: each problem field.' }) errors?: FieldErrorSchema[];
  @ApiPropertyOptional({ description: 'RATE_LIMITED: seconds until a retry may pass (also the `Retry-After` header).' }) retryAfterSeconds?: number;
  @ApiPropertyOptional({ type: [DiagnosticSchema], description: 'INVALID_RULES: every diagnostic; CASES_FAILED: the problems of the case files themselves.' }) diagnostics?: DiagnosticSchema[];
  @ApiPropertyOptional({ description: 'CASES_FAILED: how many cases ran.' }) cases?: number;
  @ApiPropertyOptional({ type: [CaseFailureSchema], description: 'CASES_FAILED: each failing case, with what it expected and what the rules gave.' }) failures?: CaseFailureSchema[];
  @ApiPropertyOptional({ type: ActivationReportSchema, description: 'ACTIVATION_REFUSED: the guard report, with the `problems` that refused the switch.' }) report?: ActivationReportSchema;
  @ApiPropertyOptional({ description: 'ACCOUNT_NOT_FOUND, ACCOUNT_EXISTS: the account id.' }) accountId?: string;
  @ApiPropertyOptional({ description: 'UNKNOWN_PLAN: the plan asked for; INVALID_PLAN_MAPPING: the plan of the mapping at fault.' }) plan?: string;
  @ApiPropertyOptional({ description: 'UNKNOWN_PACK: the pack asked for.' }) pack?: string;
  @ApiPropertyOptional({ description: 'INVALID_GRANT: the expiry asked for.' }) expiresAt?: string;
  @ApiPropertyOptional({ description: 'IDEMPOTENCY_KEY_REUSED: the Idempotency-Key; LAST_ADMIN_KEY: the key id.' }) key?: string;
  @ApiPropertyOptional({ enum: ['active', 'captured', 'released', 'expired'], description: "HOLD_NOT_ACTIVE: the hold's status." }) holdStatus?: string;
  @ApiPropertyOptional({ description: 'HOLD_NOT_ACTIVE: the charge of a captured hold.' }) chargeId?: string;
  @ApiPropertyOptional({ description: 'REFUND_EXCEEDS_CHARGE: the charge, in millicredits.' }) costMc?: number;
  @ApiPropertyOptional({ description: 'REFUND_EXCEEDS_CHARGE: refunded so far, in millicredits.' }) refundedMc?: number;
  @ApiPropertyOptional({ description: 'REFUND_EXCEEDS_CHARGE: what can still be refunded, in millicredits.' }) remainingMc?: number;
  @ApiPropertyOptional({ description: 'VERSION_NOT_FOUND, VERSION_AMBIGUOUS: the version name asked for.', example: 'c5e4f3' }) name?: string;
  @ApiPropertyOptional({ type: [String], description: 'VERSION_AMBIGUOUS: the versions the name could mean (up to ten).' }) candidates?: string[];
  @ApiPropertyOptional({ description: 'ACTIVATION_NOT_FOUND, ACTIVATION_NOT_PENDING: the activation id.' }) id?: number;
  @ApiPropertyOptional({ description: 'INVALID_SCHEDULE: the instant asked for.' }) at?: string;
  @ApiPropertyOptional({ description: 'DRAFT_CONFLICT: the latest revision of the draft.' }) latestRevision?: number;
  @ApiPropertyOptional({ description: 'DRAFT_CONFLICT: who saved it.' }) latestAuthor?: string;
  @ApiPropertyOptional({ description: 'WEBHOOK_URL_REFUSED: the URL.' }) url?: string;
  @ApiPropertyOptional({ description: 'WEBHOOK_URL_REFUSED: the address it resolves to, when that is what is refused.' }) address?: string;
  @ApiPropertyOptional({ description: 'WEBHOOK_URL_REFUSED: the kind of address (e.g. `private`, `loopback`).' }) range?: string;
  @ApiPropertyOptional({ type: [String], description: 'INVALID_WEBHOOK: the event types that are not event types.' }) events?: string[];
  @ApiPropertyOptional({ description: 'WEBHOOK_NOT_FOUND: the webhook id.' }) webhookId?: string;
  @ApiPropertyOptional({ description: 'EVENT_NOT_FOUND: the event id.' }) eventId?: string;
}
