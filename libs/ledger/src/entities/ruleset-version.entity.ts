import { DateTimeType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A published rule-set version: immutable, addressed by its content hash. */
@Entity({ tableName: 'ruleset_version' })
export class RulesetVersion {
  @PrimaryKey({ type: 'string', length: 64 })
  version!: string;

  /** The source files as written: `[{ path, text }]`, rule files and case files. */
  @Property({ type: 'json' })
  files!: { path: string; text: string }[];

  @Property({ type: 'string', length: 255 })
  author!: string;

  @Property({ type: 'text' })
  message!: string;

  @Property({ type: 'string', length: 64, nullable: true })
  parentVersion?: string | null;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
