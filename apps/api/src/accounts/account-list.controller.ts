import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Audit, type AccountSummary } from '@ratecard/ledger';
import { Roles } from '../http/auth';
import { AccountListQuery } from '../http/dto';

class AccountSummarySchema {
  @ApiProperty() id!: string;
  @ApiProperty() plan!: string;
  @ApiProperty({ nullable: true, type: String }) pendingPlan!: string | null;
  @ApiProperty({ description: 'Spendable credits as stored (a cycle that ended rolls over when the account is read).' }) balance!: number;
  @ApiProperty() balanceMillicredits!: number;
  @ApiProperty() held!: number;
  @ApiProperty() heldMillicredits!: number;
  @ApiProperty() cycleEnd!: string;
  @ApiProperty() createdAt!: string;
}

class AccountPageSchema {
  @ApiProperty({ type: [AccountSummarySchema] }) items!: AccountSummarySchema[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page.' }) next!: string | null;
}

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts')
export class AccountListController {
  constructor(private readonly audit: Audit) {}

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'List accounts', description: 'In id order; `prefix` finds accounts whose id starts with it. `GET /v1/accounts/{id}` shows one with its cycle, usage and quotas.' })
  @ApiOkResponse({ type: AccountPageSchema })
  list(@Query() q: AccountListQuery): Promise<{ items: AccountSummary[]; next: string | null }> {
    return this.audit.accounts({ limit: q.limit ?? 50, ...(q.prefix ? { prefix: q.prefix } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) });
  }
}
