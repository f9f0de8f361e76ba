import { Controller, Get, Headers, Param, Query, Res, type OnModuleDestroy } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { SourceFile } from '@ratecard/dsl';
import { RuleVersions, VERSION_NAME_HELP } from '@ratecard/ledger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Roles } from '../http/auth';
import { ProblemSchema } from '../http/schemas-problem';
import { RulesService } from './rules.service';

/** Longest long-poll, in seconds. */
export const MAX_WAIT_SECONDS = 30;
/** How often a long-poll looks at the active version, in milliseconds. */
const WAIT_STEP_MS = 100;

export class BundleQuery {
  @ApiPropertyOptional({ description: `Long-poll: with \`If-None-Match\` naming the active version, wait up to this many seconds (1-${MAX_WAIT_SECONDS}) for another version to become active before answering 304.`, minimum: 1, maximum: MAX_WAIT_SECONDS })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_WAIT_SECONDS)
  wait?: number;
}

export class RuleFileSchema {
  @ApiProperty({ example: 'rules/plans.yaml' }) path!: string;
  @ApiProperty() text!: string;
}

export class RuleBundleSchema {
  @ApiProperty({ description: 'The version: the content hash the rules compile to (a client checks it after compiling).' }) version!: string;
  @ApiProperty({ type: [RuleFileSchema], description: 'The rule files as published (without their `*.test.yaml` cases).' }) files!: RuleFileSchema[];
}

const FULL_VERSION = /^[0-9a-f]{64}$/;

/** True when an `If-None-Match` header names the version's ETag (or is `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}

/**
 * The rule files of a version, for clients that price requests in-process (local quotes with
 * `@ratecard/client`): cacheable by version (an ETag; a full version id never changes, so it is
 * cached for good), with long-polling on `active` so a client learns of an activation within
 * moments without asking again and again.
 */
@ApiTags('rulesets')
@ApiBearerAuth()
@Controller('v1/rulesets')
export class BundleController implements OnModuleDestroy {
  private readonly cache = new Map<string, SourceFile[]>();
  private closing = false;

  constructor(
    private readonly versions: RuleVersions,
    private readonly rules: RulesService,
  ) {}

  /** Long-polls answer at once when the service shuts down. */
  onModuleDestroy(): void {
    this.closing = true;
  }

  @Get(':version/bundle')
  @Roles('service', 'admin', 'auditor')
  @ApiOperation({
    summary: "A version's rule files, for pricing in-process",
    description: `${VERSION_NAME_HELP[0].toUpperCase()}${VERSION_NAME_HELP.slice(1)}; \`active\` is the version this process prices with. The ETag is the version: send it back as \`If-None-Match\` for a 304 while it is still the one, with \`wait\` to long-poll for the next activation. A full version id is immutable (cached for a year). Compile the files with \`compileSources\` of @ratecard/engine (the client does) and check that they compile to \`version\`; the service stays authoritative: a charge tells its \`rulesetVersion\`.`,
  })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'The ETag of the bundle you have.' })
  @ApiOkResponse({ type: RuleBundleSchema })
  @ApiResponse({ status: 304, description: 'The version you have is still the one.' })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'VERSION_NOT_FOUND' })
  async bundle(@Param('version') name: string, @Query() q: BundleQuery, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<RuleBundleSchema | undefined> {
    const active = name === 'active';
    let version = active ? this.rules.active().version : await this.versions.resolveName(name);
    if (active && q.wait !== undefined && matches(ifNoneMatch, `"${version}"`)) version = await this.nextActive(version, q.wait * 1000);
    const etag = `"${version}"`;
    void reply.header('etag', etag);
    void reply.header('cache-control', !active && FULL_VERSION.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (matches(ifNoneMatch, etag)) {
      void reply.status(304);
      return undefined;
    }
    return { version, files: await this.files(version) };
  }

  /** Waits until another version is active, `ms` pass or the service closes; returns the active version then. */
  private async nextActive(version: string, ms: number): Promise<string> {
    const deadline = Date.now() + ms;
    while (!this.closing && this.rules.active().version === version && Date.now() < deadline) await new Promise((r) => setTimeout(r, Math.min(WAIT_STEP_MS, Math.max(1, deadline - Date.now()))));
    return this.rules.active().version;
  }

  private async files(version: string): Promise<SourceFile[]> {
    const hit = this.cache.get(version);
    if (hit) return hit;
    const files = (await this.versions.get(version)).sources.filter((f) => !/\.test\.ya?ml$/.test(f.path)).map((f) => ({ path: f.path, text: f.text }));
    this.cache.set(version, files);
    if (this.cache.size > 8) this.cache.delete(this.cache.keys().next().value as string);
    return files;
  }
}
