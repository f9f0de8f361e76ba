import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Ledger, type AccountView, type EntryView } from '@ratecard/ledger';
import { Roles, type AuthedRequest } from '../http/auth';
import { ChangePlanDto, CreateAccountDto, GrantDto, LedgerQuery } from '../http/dto';
import { callerOf, credits } from '../http/request';
import { AccountSchema, EntryPageSchema, PlanChangeResultSchema, ProblemSchema } from '../http/schemas';
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
  @ApiOperation({ summary: 'Grant credits', description: 'A top-up or goodwill credit, recorded as a grant. Granted credits expire with the cycle like the allowance.' })
  @ApiResponse({ status: 201, type: AccountSchema })
  grant(@Param('id') id: string, @Body() body: GrantDto, @Req() req: AuthedRequest): Promise<AccountView> {
    return this.ledger.grant(id, credits('amount', body.amount), body.reason, this.clock.now(), callerOf(req));
  }
}
