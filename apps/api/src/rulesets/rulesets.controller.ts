import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RuleVersions, type ActivationView, type VersionView } from '@ratecard/ledger';
import { Roles, type AuthedRequest } from '../http/auth';
import { PublishDto } from '../http/dto';
import { callerOf } from '../http/request';
import { ProblemSchema } from '../http/schemas';
import { CLOCK, type Clock } from '../tokens';
import { RulesService } from './rules.service';

@ApiTags('rulesets')
@ApiBearerAuth()
@Controller('v1/rulesets')
export class RulesetsController {
  constructor(
    private readonly versions: RuleVersions,
    private readonly rules: RulesService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Publish a rule set',
    description: 'Validates and compiles the files; a rule set with any error is refused (422 INVALID_RULES with every diagnostic). The version is the content hash, so publishing the same rules twice is harmless.',
  })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_RULES' })
  async publish(@Body() body: PublishDto, @Req() req: AuthedRequest): Promise<{ version: string; created: boolean; activated: boolean; warnings: readonly unknown[] }> {
    const caller = callerOf(req);
    const result = await this.versions.publish(body.files, req.apiKey?.name ?? caller.actor, body.message, this.clock.now(), { activate: body.activate ?? false, caller });
    if (result.activated) await this.rules.refresh();
    return { version: result.version, created: result.created, activated: result.activated, warnings: result.diagnostics };
  }

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'List published versions, newest first' })
  list(): Promise<VersionView[]> {
    return this.versions.list();
  }

  @Get('activations')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Activation history, newest first: which version was active when, and who activated it' })
  activations(): Promise<ActivationView[]> {
    return this.versions.history();
  }

  @Get(':version')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'A version with its source files as written', description: 'The id or a unique prefix of at least 6 characters.' })
  get(@Param('version') version: string): Promise<unknown> {
    return this.versions.get(version);
  }

  @Post(':version/activate')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activate a version', description: 'Atomic. This process switches at once; other processes within `RULES_POLL_MS`.' })
  async activate(@Param('version') version: string, @Req() req: AuthedRequest): Promise<ActivationView> {
    const activation = await this.versions.activate(version, callerOf(req), this.clock.now());
    await this.rules.refresh();
    return activation;
  }
}
