import { ApiProperty } from '@nestjs/swagger';

/** Response shapes of drafts, for the OpenAPI document. */

export class DraftSchema {
  @ApiProperty({ example: 'draft_Xb3k9QmZ0aLr2sV9' }) id!: string;
  @ApiProperty({ example: 'chat edits at 0.75 cr' }) name!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The published version it was started from.' }) baseVersion!: string | null;
  @ApiProperty({ description: 'Who started it (the key name).' }) createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ description: 'The latest revision.', example: 3 }) revision!: number;
  @ApiProperty({ description: 'Who saved the latest revision.' }) updatedBy!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ description: "The latest revision's message." }) message!: string;
}

export class DraftFileSchema {
  @ApiProperty({ example: 'editing.yaml' }) path!: string;
  @ApiProperty() text!: string;
}

export class DraftRevisionSchema {
  @ApiProperty() number!: number;
  @ApiProperty() author!: string;
  @ApiProperty() message!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: [String] }) files!: string[];
}

export class DraftDetailSchema extends DraftSchema {
  @ApiProperty({ description: 'The revision `files` are from.' }) shownRevision!: number;
  @ApiProperty({ type: [DraftFileSchema] }) files!: DraftFileSchema[];
  @ApiProperty({ type: [DraftRevisionSchema], description: 'Every revision, newest first.' }) revisions!: DraftRevisionSchema[];
}

export class SavedDraftSchema extends DraftDetailSchema {
  @ApiProperty({ description: 'False when the files were already as sent: no revision was added.' }) created!: boolean;
}
