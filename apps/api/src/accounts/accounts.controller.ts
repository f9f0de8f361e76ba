import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Ledger, type AccountView, type EntryView, type GrantedView, type GrantView, type Page } from '@ratecard/ledger';
import type { FastifyReply } from 'fastify';
import { Roles, type AuthedRequest } from '../http/auth';
import { ChangePlanDto, CreateAccountDto, GrantDto, GrantsQuery, LedgerQuery, PackDto } from '../http/dto';
import { callerOf, credits, expiryOf, idempotencyKey } from '../http/request';
import { AccountSchema, EntryPageSchema, GrantedSchema, GrantPageSchema, PlanChangeResultSchema } from '../http/schemas';
import { ProblemSchema } from '../http/schemas-problem';
import { CLOCK, type Clock } from '../tokens';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts')
export class AccountsController {
  constructor(
    private readonly ledger: Ledger,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an account', description: "Creates the account and grants its plan's allowance for the current billing cycle." })
  @ApiResponse({ status: 201, type: AccountSchema })
  @ApiResponse({ status: 409, type: ProblemSchema, description: 'ACCOUNT_EXISTS' })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'UNKNOWN_PLAN' })
  create(@Body() body: CreateAccountDto, @Req() req: AuthedRequest): Promise<AccountView> {
    return this.ledger.createAccount({ ...(body.id ? { id: body.id } : {}), plan: body.plan, ...(body.billingAnchor ? { billingAnchor: body.billingAnchor } : {}) }, this.clock.now(), callerOf(req));
  }

  @Get(':id')
  @Roles('admin', 'auditor', 'service')
  @ApiOperation({ summary: 'Show an account', description: 'Plan, spendable balance, held credits, the current cycle, usage and quotas left. A cycle that ended is rolled over first.' })
  @ApiOkResponse({ type: AccountSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'ACCOUNT_NOT_FOUND' })
  get(@Param('id') id: string): Promise<AccountView> {
    return this.ledger.getAccount(id, this.clock.now());
  }

  @Get(':id/ledger')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: "Page through an account's ledger", description: 'Every credit movement, newest first unless `order=asc`.' })
  @ApiOkResponse({ type: EntryPageSchema })
  entries(@Param('id') id: string, @Query() q: LedgerQuery): Promise<{ items: EntryView[]; next: number | null }> {
    return this.ledger.entries(id, { limit: q.limit ?? 50, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}), order: q.order ?? 'desc' });
  }

  @Post(':id/plan')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Change the plan',
    description: "An upgrade applies now: unused credits carry over and the new plan's allowance is granted, once per plan per cycle. A downgrade applies at the next billing date. As the rules' cycle policy says.",
  })
  @ApiOkResponse({ type: PlanChangeResultSchema, description: 'The account and what the change did.' })
  changePlan(@Param('id') id: string, @Body() body: ChangePlanDto, @Req() req: AuthedRequest): Promise<unknown> {
    return this.ledger.changePlan(id, body.plan, this.clock.now(), callerOf(req));
  }

  @Post(':id/grants')
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Grant credits',
    description:
      'Goodwill or a top-up, as a grant with its own expiry (`expiresAt`: a time, or `never`; default the end of the current billing cycle) and draw priority (lower is used first; then the credits closest to expiry). With an `Idempotency-Key`, a retry with the same body returns the first answer (`Idempotent-Replayed: true`) and grants nothing; another body under the key is a 409.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes retries safe: the same key and body grant once.' })
  @ApiResponse({ status: 201, type: GrantedSchema })
  @ApiResponse({ status: 409, type: ProblemSchema, description: 'IDEMPOTENCY_KEY_REUSED' })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_GRANT: an expiry that is not after now' })
  async grant(
    @Param('id') id: string,
    @Body() body: GrantDto,
    @Headers('idempotency-key') header: string | undefined,
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<GrantedView> {
    const result = await this.ledger.grant(
      id,
      { amountMc: credits('amount', body.amount), reason: body.reason, ...(body.expiresAt !== undefined ? { expiresAt: expiryOf('expiresAt', body.expiresAt) } : {}), ...(body.priority !== undefined ? { priority: body.priority } : {}) },
      idempotencyKey(header, false),
      this.clock.now(),
      callerOf(req),
    );
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return result.body;
  }

  @Post(':id/packs')
  @Roles('service', 'admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Grant a credit pack the customer bought',
    description:
      "ratecard takes no payments: call this after the customer paid. Grants the pack's credits as the active rules' catalogue says (`packs:`), valid for the pack's days from now (or for ever). The `Idempotency-Key` (e.g. your payment id) makes it safe to retry: the same key and pack grant once.",
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Your payment or order id: one pack per key.' })
  @ApiResponse({ status: 201, type: GrantedSchema })
  @ApiResponse({ status: 400, type: ProblemSchema, description: 'IDEMPOTENCY_KEY_REQUIRED' })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'ACCOUNT_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ProblemSchema, description: 'IDEMPOTENCY_KEY_REUSED' })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'UNKNOWN_PACK' })
  async pack(
    @Param('id') id: string,
    @Body() body: PackDto,
    @Headers('idempotency-key') header: string | undefined,
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<GrantedView> {
    const result = await this.ledger.grantPack(id, body.pack, idempotencyKey(header, true), this.clock.now(), callerOf(req));
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return result.body;
  }

  @Get(':id/grants')
  @Roles('admin', 'auditor', 'service')
  @ApiOperation({ summary: "Page through an account's grants", description: 'Every grant, newest first, with what is left of it and when it expires; `status=live` for those that can still be drawn from.' })
  @ApiOkResponse({ type: GrantPageSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'ACCOUNT_NOT_FOUND' })
  grants(@Param('id') id: string, @Query() q: GrantsQuery): Promise<Page<GrantView, string>> {
    return this.ledger.grants(id, { limit: q.limit ?? 50, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}), status: q.status ?? 'all' }, this.clock.now());
  }
}
