import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeys, type CreatedKey, type KeyView } from '@ratecard/ledger';
import { ApiKeyGuard, Roles, type AuthedRequest } from '../http/auth';
import { CreateKeyDto, NoQuery } from '../http/dto';
import { callerOf } from '../http/request';
import { CreatedKeySchema, KeySchema } from '../http/schemas';
import { CLOCK, type Clock } from '../tokens';

@ApiTags('keys')
@ApiBearerAuth()
@Controller('v1/keys')
@Roles('admin')
export class KeysController {
  constructor(
    private readonly keys: ApiKeys,
    private readonly guard: ApiKeyGuard,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key', description: 'Roles: `service` (decisions, charges, holds, refunds), `admin` (accounts, plans, rules, keys), `auditor` (read-only). The key is shown once.' })
  @ApiResponse({ status: 201, type: CreatedKeySchema })
  create(@Body() body: CreateKeyDto, @Req() req: AuthedRequest): Promise<CreatedKey> {
    return this.keys.create(body.name, body.role, this.clock.now(), callerOf(req));
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  @ApiOkResponse({ type: [KeySchema] })
  list(@Query() _query: NoQuery): Promise<KeyView[]> {
    return this.keys.list();
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key', description: 'At once in this process; in other processes within `KEY_CACHE_SECONDS`.' })
  @ApiOkResponse({ type: KeySchema })
  async revoke(@Param('id') id: string, @Req() req: AuthedRequest): Promise<KeyView> {
    const key = await this.keys.revoke(id, this.clock.now(), callerOf(req));
    this.guard.forget();
    return key;
  }
}
