import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCategory1763700000000 implements MigrationInterface {
  name = 'CreateCategory1763700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "category" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "name" character varying(255) NOT NULL,
        "parent_id" bigint,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "category_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "category_sibling_name_unique" UNIQUE NULLS NOT DISTINCT ("parent_id", "name"),
        CONSTRAINT "category_parent_id_fkey" FOREIGN KEY ("parent_id")
          REFERENCES "category"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "category_parent_id_idx" ON "category" ("parent_id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "category"`);
  }
}
