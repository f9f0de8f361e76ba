import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EVENT_TYPES } from '@ratecard/client';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { LimitQuery } from '../http/dto';

const EVENT_NAMES = [...EVENT_TYPES, '*'];

/** Requests and answers of the webhook and event routes, with their OpenAPI shapes. */

export class CreateWebhookDto {
  @ApiProperty({ description: 'Where events are POSTed: `https://` (or `http://`), on a public address.', example: 'https://site-builder.example.com/hooks/ratecard' })
  @IsString()
  @Length(1, 2048)
  url!: string;

  @ApiProperty({ description: 'The event types to receive, or `["*"]` for all.', example: ['balance.low', 'quota.reached'], type: [String], enum: EVENT_NAMES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_NAMES.length)
  @IsIn(EVENT_NAMES, { each: true, message: `each event must be one of ${EVENT_NAMES.map((e) => `\`${e}\``).join(', ')}` })
  events!: string[];

  @ApiPropertyOptional({ description: 'The signing secret (16 to 255 characters). Generated (`whsec_…`) when absent; shown only in this answer.' })
  @IsOptional()
  @IsString()
  @Length(16, 255)
  @Matches(/^[\x21-\x7e]+$/, { message: 'secret must be visible ASCII characters' })
  secret?: string;

  @ApiPropertyOptional({ example: 'low-balance emails' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  description?: string;
}

export class ReplayDto {
  @ApiPropertyOptional({ description: 'Send to this webhook only (it need not be subscribed to the type); default every webhook subscribed to the event type.' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  webhookId?: string;
}

export class EventsQuery extends LimitQuery {
  @ApiPropertyOptional({ description: 'The `next` value of the previous page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  cursor?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 64)
  accountId?: string;

  @ApiPropertyOptional({ enum: EVENT_TYPES })
  @IsOptional()
  @IsIn([...EVENT_TYPES])
  type?: string;
}

export class DeliveriesQuery extends LimitQuery {
  @ApiPropertyOptional({ description: 'The `next` value of the previous page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  cursor?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 64)
  webhookId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 64)
  eventId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 64)
  accountId?: string;

  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'failed', 'cancelled'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'failed', 'cancelled'])
  status?: 'pending' | 'delivered' | 'failed' | 'cancelled';
}

export class WebhookSchema {
  @ApiProperty({ example: 'wh_Qm1x0aZr2sV9xY1b' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String], example: ['balance.low'] }) events!: string[];
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ description: 'Who registered it (an API key id).' }) createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Set once deleted: it gets no new deliveries.' }) deletedAt!: string | null;
}

export class CreatedWebhookSchema extends WebhookSchema {
  @ApiProperty({ description: 'The signing secret. Shown only now; store it.', example: 'whsec_9mQ2…' }) secret!: string;
}

export class DeliverySchema {
  @ApiProperty() id!: number;
  @ApiProperty() webhookId!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty({ enum: EVENT_TYPES }) eventType!: string;
  @ApiProperty({ nullable: true, type: String }) accountId!: string | null;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed', 'cancelled'], description: '`failed`: no 2xx within 24 h of retries (replay it); `cancelled`: its webhook was deleted.' }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String, description: 'When it is tried next (pending only).' }) nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'The HTTP status of the last attempt; null when it got no answer.' }) lastStatus!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) deliveredAt!: string | null;
  @ApiProperty({ enum: ['event', 'replay'] }) origin!: string;
  @ApiProperty() createdAt!: string;
}

export class DeliveryPageSchema {
  @ApiProperty({ type: [DeliverySchema] }) items!: DeliverySchema[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `cursor` for the next page.' }) next!: number | null;
}

export class EventSchema {
  @ApiProperty({ example: 'evt_b1P0sKq2Zx9m3LrT', description: 'Stable across retries and replays: deduplicate on it.' }) id!: string;
  @ApiProperty({ enum: EVENT_TYPES }) type!: string;
  @ApiProperty({ description: 'When the change happened.' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Null for `ruleset.activated`.' }) accountId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What the event carries (see the README event catalogue).' }) data!: Record<string, unknown>;
}

export class EventDetailSchema extends EventSchema {
  @ApiProperty({ type: [DeliverySchema] }) deliveries!: DeliverySchema[];
}

export class EventPageSchema {
  @ApiProperty({ type: [EventSchema] }) items!: EventSchema[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `cursor` for the next page.' }) next!: number | null;
}
