import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Outbox, Webhooks, type CreatedWebhook, type DeliveryView, type EventView, type Page, type WebhookView } from '@ratecard/ledger';
import { Roles, type AuthedRequest } from '../http/auth';
import { callerOf } from '../http/request';
import { ProblemSchema } from '../http/schemas-problem';
import { CLOCK, type Clock } from '../tokens';
import { CreatedWebhookSchema, CreateWebhookDto, DeliveriesQuery, DeliveryPageSchema, DeliverySchema, EventDetailSchema, EventPageSchema, EventsQuery, ReplayDto, WebhookSchema } from './webhooks.dto';

const SIGNING =
  'Each delivery is a POST of the event as JSON with `Ratecard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>` (verify it with `verifyWebhook` of @ratecard/client), `Ratecard-Event-Id` and `Ratecard-Event-Type`. Any 2xx within the timeout acknowledges it; otherwise it is retried with exponential backoff for 24 h. An account\'s events are delivered in order.';

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: Webhooks,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register a webhook',
    description: `Events of the listed types are delivered to \`url\` from now on. A URL on a loopback, private, link-local or unique-local address (or a host name resolving to one) is refused unless the service runs with \`WEBHOOK_ALLOW_PRIVATE_URLS=true\`. ${SIGNING}`,
  })
  @ApiResponse({ status: 201, type: CreatedWebhookSchema })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'WEBHOOK_URL_REFUSED or INVALID_WEBHOOK' })
  create(@Body() body: CreateWebhookDto, @Req() req: AuthedRequest): Promise<CreatedWebhook> {
    return this.webhooks.create({ url: body.url, events: body.events, ...(body.secret ? { secret: body.secret } : {}), ...(body.description ? { description: body.description } : {}) }, this.clock.now(), callerOf(req));
  }

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'List webhooks (never their secrets)' })
  @ApiOkResponse({ type: [WebhookSchema] })
  list(): Promise<WebhookView[]> {
    return this.webhooks.list();
  }

  @Get('deliveries')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'List deliveries, newest first', description: 'Each event to each webhook: its status, attempts and the last answer. Filter by webhook, event, account or status.' })
  @ApiOkResponse({ type: DeliveryPageSchema })
  deliveries(@Query() q: DeliveriesQuery): Promise<Page<DeliveryView>> {
    return this.outbox.deliveries({
      limit: q.limit ?? 50,
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      ...(q.webhookId ? { webhookId: q.webhookId } : {}),
      ...(q.eventId ? { eventId: q.eventId } : {}),
      ...(q.accountId ? { accountId: q.accountId } : {}),
      ...(q.status ? { status: q.status } : {}),
    });
  }

  @Get(':id')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Show a webhook' })
  @ApiOkResponse({ type: WebhookSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'WEBHOOK_NOT_FOUND' })
  get(@Param('id') id: string): Promise<WebhookView> {
    return this.webhooks.get(id);
  }

  @Delete(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Delete a webhook', description: 'It gets no new deliveries, and its pending ones are cancelled. It stays listed with its deliveries (`deletedAt`).' })
  @ApiOkResponse({ type: WebhookSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'WEBHOOK_NOT_FOUND' })
  delete(@Param('id') id: string, @Req() req: AuthedRequest): Promise<WebhookView> {
    return this.webhooks.delete(id, this.clock.now(), callerOf(req));
  }
}

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'List events, newest first', description: 'Every event written, whether or not a webhook wanted it. Filter by account or type.' })
  @ApiOkResponse({ type: EventPageSchema })
  list(@Query() q: EventsQuery): Promise<Page<EventView>> {
    return this.outbox.events({ limit: q.limit ?? 50, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}), ...(q.accountId ? { accountId: q.accountId } : {}), ...(q.type ? { type: q.type } : {}) });
  }

  @Get(':id')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Show an event and its deliveries' })
  @ApiOkResponse({ type: EventDetailSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'EVENT_NOT_FOUND' })
  get(@Param('id') id: string): Promise<EventView> {
    return this.outbox.event(id);
  }

  @Post(':id/replay')
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Send an event again',
    description: 'New deliveries of the same event (same id and body) to every webhook subscribed to its type, or to one webhook. Receivers deduplicate on the event id.',
  })
  @ApiResponse({ status: 201, type: [DeliverySchema] })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'EVENT_NOT_FOUND or WEBHOOK_NOT_FOUND' })
  replay(@Param('id') id: string, @Body() body: ReplayDto, @Req() req: AuthedRequest): Promise<DeliveryView[]> {
    return this.outbox.replay(id, body.webhookId ? { webhookId: body.webhookId } : {}, this.clock.now(), callerOf(req));
  }
}
