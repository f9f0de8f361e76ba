import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Audit, Ledger, type EntryView } from '@ratecard/ledger';
import { Roles } from '../http/auth';
import { EntrySchema } from '../http/schemas';
import { ProblemSchema } from '../http/schemas-problem';

@ApiTags('charges')
@ApiBearerAuth()
@Controller('v1/charges')
export class ChargeEntriesController {
  constructor(
    private readonly ledger: Ledger,
    private readonly audit: Audit,
  ) {}

  @Get(':id/entries')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: "A charge's ledger entries", description: 'Oldest first: the debit (or the hold, its capture and release), and every refund of the charge.' })
  @ApiOkResponse({ type: [EntrySchema] })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'CHARGE_NOT_FOUND' })
  async entries(@Param('id') id: string): Promise<EntryView[]> {
    const charge = await this.ledger.getCharge(id);
    return this.audit.chargeEntries(charge.id, charge.holdId);
  }
}
