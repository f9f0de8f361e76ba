import { DateTimeType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

export type Role = 'service' | 'admin' | 'auditor';

/** An API key. Only a SHA-256 hash of its secret is stored. */
@Entity({ tableName: 'api_key' })
export class ApiKey {
  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  @Property({ type: 'string', length: 255 })
  name!: string;

  @Property({ type: 'string', length: 16 })
  role!: Role;

  /** SHA-256 (hex) of the whole key. Keys are looked up by it and compared in constant time. */
  @Property({ type: 'string', length: 64, unique: true })
  secretHash!: string;

  @Property({ type: DateTimeType })
  createdAt!: Date;

  @Property({ type: DateTimeType, nullable: true })
  revokedAt?: Date | null;
}
