import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIdempotencyKey1763700200000 implements MigrationInterface {
  name = 'CreateIdempotencyKey1763700200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "idempotency_key" (
        "key" character varying(255) NOT NULL,
        "fingerprint" character(64) NOT NULL,
        "status" integer,
        "response" jsonb,
        "headers" jsonb,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("key")
      )`);
    await queryRunner.query(
      `CREATE INDEX "idempotency_key_created_at_idx" ON "idempotency_key" ("created_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "idempotency_key"`);
  }
}
