import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DecisionDenied, Ledger, type ChargeDetail, type ChargeView, type RefundView } from '@ratecard/ledger';
import type { FastifyReply } from 'fastify';
import { Roles, type AuthedRequest } from '../http/auth';
import { ActionRequestDto, RefundDto } from '../http/dto';
import { callerOf, credits, idempotencyKey } from '../http/request';
import { ChargeDetailSchema, ChargeSchema, RefundSchema } from '../http/schemas';
import { ProblemSchema } from '../http/schemas-problem';
import { MetricsService } from '../ops/metrics.service';
import { CLOCK, type Clock } from '../tokens';

@ApiTags('charges')
@ApiBearerAuth()
@Controller('v1/charges')
export class ChargesController {
  constructor(
    private readonly ledger: Ledger,
    private readonly metrics: MetricsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('service')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Charge for an action, exactly once',
    description:
      'Decides and, if allowed, debits the ledger and counts quota usage in one transaction. Retrying with the same `Idempotency-Key` and body returns the first response (header `Idempotent-Replayed: true`) and never charges twice; the same key with another body is a 409. A denial changes nothing: 402 INSUFFICIENT_CREDITS, 403 PLAN_REQUIRED or QUOTA_EXCEEDED, 409 CONFIRMATION_REQUIRED, 422 UNKNOWN_ACTION or INVALID_PARAMS, with the decision in the problem document.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'A unique key per charge, e.g. a UUID. Reuse it only to retry.' })
  @ApiResponse({ status: 201, type: ChargeSchema })
  @ApiResponse({ status: 400, type: ProblemSchema, description: 'IDEMPOTENCY_KEY_REQUIRED or INVALID_REQUEST' })
  @ApiResponse({ status: 402, type: ProblemSchema, description: 'INSUFFICIENT_CREDITS' })
  @ApiResponse({ status: 403, type: ProblemSchema, description: 'PLAN_REQUIRED or QUOTA_EXCEEDED' })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'ACCOUNT_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ProblemSchema, description: 'CONFIRMATION_REQUIRED or IDEMPOTENCY_KEY_REUSED' })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'UNKNOWN_ACTION or INVALID_PARAMS' })
  async charge(
    @Body() body: ActionRequestDto,
    @Headers('idempotency-key') header: string | undefined,
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChargeView> {
    const key = idempotencyKey(header, true);
    try {
      const result = await this.ledger.charge(body, key, this.clock.now(), callerOf(req));
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      this.metrics.decision('charge', body.action, result.body.decision, result.replayed ? 'replayed' : undefined);
      if (!result.replayed) this.metrics.charged(body.action, result.body.cost);
      return result.body;
    } catch (e) {
      if (e instanceof DecisionDenied) this.metrics.decision('charge', body.action, e.decision);
      throw e;
    }
  }

  @Get(':id')
  @Roles('service', 'admin', 'auditor')
  @ApiOperation({ summary: 'Show a charge', description: 'With the balance right after it, what has been refunded from it, and the grants that paid it.' })
  @ApiOkResponse({ type: ChargeDetailSchema })
  get(@Param('id') id: string): Promise<ChargeDetail> {
    return this.ledger.getCharge(id);
  }

  @Post(':id/refund')
  @Roles('service')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Refund a charge, in full or in part',
    description: 'Never more than was charged across all refunds (409 REFUND_EXCEEDS_CHARGE). An optional `Idempotency-Key` makes retries safe.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiResponse({ status: 201, type: RefundSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'CHARGE_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ProblemSchema, description: 'REFUND_EXCEEDS_CHARGE' })
  async refund(
    @Param('id') id: string,
    @Body() body: RefundDto,
    @Headers('idempotency-key') header: string | undefined,
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RefundView> {
    const key = idempotencyKey(header, false);
    const input = { ...(body.amount !== undefined ? { amountMc: credits('amount', body.amount) } : {}), ...(body.reason ? { reason: body.reason } : {}) };
    const result = await this.ledger.refund(id, input, key, this.clock.now(), callerOf(req));
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return result.body;
  }
}
