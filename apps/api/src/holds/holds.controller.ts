import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DecisionDenied, Ledger, type ChargeView, type HoldView } from '@ratecard/ledger';
import type { FastifyReply } from 'fastify';
import { Roles, type AuthedRequest } from '../http/auth';
import { CaptureDto, HoldRequestDto } from '../http/dto';
import { problem, ProblemException } from '../http/problem';
import { callerOf, credits, idempotencyKey } from '../http/request';
import { CaptureResultSchema, HoldSchema } from '../http/schemas';
import { ProblemSchema } from '../http/schemas-problem';
import { MetricsService } from '../ops/metrics.service';
import { CLOCK, type Clock } from '../tokens';

@ApiTags('holds')
@ApiBearerAuth()
@Controller('v1/holds')
export class HoldsController {
  constructor(
    private readonly ledger: Ledger,
    private readonly metrics: MetricsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('service')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Reserve credits for a long job',
    description:
      'Decides like a charge and reserves the quoted cost: reserved credits are not spendable, and the quota is counted. Capture it when the job ends, release it if it fails; an expired hold releases itself. Idempotent by `Idempotency-Key`; denials as for charges.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiResponse({ status: 201, type: HoldSchema })
  @ApiResponse({ status: 402, type: ProblemSchema })
  @ApiResponse({ status: 403, type: ProblemSchema })
  async hold(
    @Body() body: HoldRequestDto,
    @Headers('idempotency-key') header: string | undefined,
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HoldView> {
    const key = idempotencyKey(header, true);
    if (body.ttlSeconds !== undefined && body.ttlSeconds > this.ledger.maxHoldTtlSeconds) {
      throw new ProblemException(problem('INVALID_REQUEST', `ttlSeconds must be at most ${this.ledger.maxHoldTtlSeconds}`, { errors: [{ field: 'ttlSeconds', message: `at most ${this.ledger.maxHoldTtlSeconds}` }] }));
    }
    try {
      const result = await this.ledger.hold(body, key, this.clock.now(), callerOf(req));
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      this.metrics.decision('hold', body.action, result.body.decision, result.replayed ? 'replayed' : undefined);
      return result.body;
    } catch (e) {
      if (e instanceof DecisionDenied) this.metrics.decision('hold', body.action, e.decision);
      throw e;
    }
  }

  @Get(':id')
  @Roles('service', 'admin', 'auditor')
  @ApiOperation({ summary: 'Show a hold' })
  @ApiOkResponse({ type: HoldSchema })
  get(@Param('id') id: string): Promise<HoldView> {
    return this.ledger.getHold(id, this.clock.now());
  }

  @Post(':id/capture')
  @Roles('service')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Charge a hold',
    description:
      "Charges the actual parameters' price (priced by the rule-set version that priced the hold) or an explicit `amount`, never more than the hold; the rest is released. Without a body, the whole hold. 409 HOLD_NOT_ACTIVE once captured, released or expired.",
  })
  @ApiResponse({ status: 201, type: CaptureResultSchema })
  @ApiResponse({ status: 409, type: ProblemSchema, description: 'HOLD_NOT_ACTIVE' })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'CAPTURE_EXCEEDS_HOLD' })
  async capture(@Param('id') id: string, @Body() body: CaptureDto, @Req() req: AuthedRequest): Promise<{ charge: ChargeView; hold: HoldView }> {
    // The type is the class, not `CaptureDto | undefined`: a union has no runtime type, so the body went unvalidated.
    // Without a body the validation pipe validates `{}`.
    const input = {
      ...(body.params !== undefined ? { params: body.params } : {}),
      ...(body.amount !== undefined ? { amountMc: credits('amount', body.amount) } : {}),
    };
    if (input.params !== undefined && input.amountMc !== undefined) {
      throw new ProblemException(problem('INVALID_REQUEST', 'give either `params` or `amount`, not both'));
    }
    const result = await this.ledger.capture(id, input, this.clock.now(), callerOf(req));
    this.metrics.decision('capture', result.charge.action, result.charge.decision, 'allowed');
    // The captured amount: at most the hold, and not the price of the decision attached to the charge.
    this.metrics.charged(result.charge.action, result.charge.cost);
    return result;
  }

  @Post(':id/release')
  @Roles('service')
  @HttpCode(200)
  @ApiOperation({ summary: 'Release a hold', description: 'Frees its credits and its quota. 409 HOLD_NOT_ACTIVE once captured, released or expired.' })
  @ApiOkResponse({ type: HoldSchema })
  release(@Param('id') id: string, @Req() req: AuthedRequest): Promise<HoldView> {
    return this.ledger.release(id, this.clock.now(), callerOf(req));
  }
}
