import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customers, with their normalised e-mail unique in the database (so that racing creates cannot
 * both succeed). Customer lists are tagged with the catalog version, so customer writes bump it
 * like product and category writes do (CreateCatalogVersion).
 */
export class CreateCustomer1764600100000 implements MigrationInterface {
  name = 'CreateCustomer1764600100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "customer" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "email" character varying(254) NOT NULL,
        "name" character varying(255) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "customer_email_unique" ON "customer" ("email")`);
    await queryRunner.query(`
      CREATE TRIGGER "customer_bumps_catalog_version"
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "customer"
      FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "customer"`);
  }
}
