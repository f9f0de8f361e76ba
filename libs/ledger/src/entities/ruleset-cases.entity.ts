import { DateTimeType, Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * A revision of a version's expected-result cases (`*.test.yaml`). Append-only: revision 1 is the
 * cases the version was published with; a correction adds the next revision and never edits one.
 * The latest revision is the one the version answers for.
 */
@Entity({ tableName: 'ruleset_cases' })
@Unique({ properties: ['version', 'revision'] })
export class RulesetCases {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 64 })
  version!: string;

  /** 1 for the cases published with the version, then 2, 3... */
  @Property({ type: 'integer' })
  revision!: number;

  /** The case files as written: `[{ path, text }]`. */
  @Property({ type: 'json' })
  files!: { path: string; text: string }[];

  /** How many cases the files hold, and how many of them failed against the version. */
  @Property({ type: 'integer' })
  cases!: number;

  @Property({ type: 'integer' })
  failed!: number;

  /** Why a revision with failing cases was stored anyway (`--force --reason`); null when every case passed. */
  @Property({ type: 'text', nullable: true })
  forceReason?: string | null;

  @Property({ type: 'string', length: 255 })
  author!: string;

  @Property({ type: 'text' })
  message!: string;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
