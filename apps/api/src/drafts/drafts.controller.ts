import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Drafts, type DraftDetail, type DraftView } from '@ratecard/ledger';
import type { FastifyReply } from 'fastify';
import { Roles, type AuthedRequest } from '../http/auth';
import { callerOf } from '../http/request';
import { ProblemSchema } from '../http/schemas-problem';
import { CLOCK, type Clock } from '../tokens';
import { CreateDraftDto, DraftQuery, ReviseDraftDto } from './drafts.dto';
import { DraftDetailSchema, DraftSchema, SavedDraftSchema } from './drafts.schemas';

@ApiTags('drafts')
@ApiBearerAuth()
@Controller('v1/drafts')
export class DraftsController {
  constructor(
    private readonly drafts: Drafts,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a draft', description: 'From a published version (the active one by default) or from files. Revision 1 holds its files; the key name is its author.' })
  @ApiResponse({ status: 201, type: DraftDetailSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'VERSION_NOT_FOUND' })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_FILES' })
  create(@Body() body: CreateDraftDto, @Req() req: AuthedRequest): Promise<DraftDetail> {
    const caller = callerOf(req);
    return this.drafts.create({ name: body.name, ...(body.from ? { from: body.from } : {}), ...(body.files ? { files: body.files } : {}) }, req.apiKey?.name ?? caller.actor, caller, this.clock.now());
  }

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'List drafts, most recently saved first' })
  @ApiOkResponse({ type: [DraftSchema] })
  list(): Promise<DraftView[]> {
    return this.drafts.list();
  }

  @Get(':id')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'A draft with its files', description: 'The files of the latest revision (or of `revision`) and every revision with its author and message.' })
  @ApiOkResponse({ type: DraftDetailSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'DRAFT_NOT_FOUND' })
  get(@Param('id') id: string, @Query() q: DraftQuery): Promise<DraftDetail> {
    return this.drafts.get(id, q.revision);
  }

  @Post(':id/revisions')
  @Roles('admin')
  @ApiOperation({
    summary: 'Save a revision of a draft',
    description: 'Adds or replaces `files` and removes `remove` on top of `baseRevision`, which must be the latest revision (else 409 DRAFT_CONFLICT: someone saved in between). 201 with the new revision; 200 when the files were already so (no revision added). Revisions are never changed or deleted.',
  })
  @ApiResponse({ status: 201, type: SavedDraftSchema })
  @ApiResponse({ status: 200, type: SavedDraftSchema, description: 'Nothing changed.' })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'DRAFT_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ProblemSchema, description: 'DRAFT_CONFLICT' })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_FILES' })
  async revise(@Param('id') id: string, @Body() body: ReviseDraftDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<DraftDetail & { created: boolean }> {
    const caller = callerOf(req);
    const saved = await this.drafts.revise(
      id,
      { baseRevision: body.baseRevision, ...(body.files ? { files: body.files } : {}), ...(body.remove ? { remove: body.remove } : {}), ...(body.message !== undefined ? { message: body.message } : {}) },
      req.apiKey?.name ?? caller.actor,
      caller,
      this.clock.now(),
    );
    void reply.status(saved.created ? 201 : 200);
    return saved;
  }
}
