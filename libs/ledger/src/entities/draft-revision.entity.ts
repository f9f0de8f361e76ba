import { DateTimeType, Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * One saved state of a draft: every file as written, who saved it and why. Append-only; revisions
 * of a draft are numbered from 1 and the unique index makes two saves on the same revision a conflict.
 */
@Entity({ tableName: 'draft_revision' })
@Unique({ properties: ['draftId', 'number'] })
@Index({ properties: ['draftId'] })
export class DraftRevision {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 40 })
  draftId!: string;

  @Property({ type: 'integer' })
  number!: number;

  /** The rule files and case files: `[{ path, text }]`. */
  @Property({ type: 'json' })
  files!: { path: string; text: string }[];

  @Property({ type: 'string', length: 255 })
  author!: string;

  @Property({ type: 'text' })
  message!: string;

  @Property({ type: DateTimeType })
  createdAt!: Date;
}
