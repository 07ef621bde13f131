import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One counter that every write to products or categories bumps in its own transaction (cascades
 * included), announced on the `catalog_version` channel at commit: the basis of list and search
 * ETags, so that an unchanged catalog answers a revalidation without running the search.
 */
export class CreateCatalogVersion1763700300000 implements MigrationInterface {
  name = 'CreateCatalogVersion1763700300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "catalog_version" (
        "id" smallint NOT NULL DEFAULT 1,
        "version" bigint NOT NULL,
        CONSTRAINT "catalog_version_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "catalog_version_single_row" CHECK ("id" = 1)
      )`);
    await queryRunner.query(`INSERT INTO "catalog_version" ("id", "version") VALUES (1, 1)`);
    await queryRunner.query(`
      CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE bumped bigint;
      BEGIN
        UPDATE catalog_version SET version = version + 1 WHERE id = 1 RETURNING version INTO bumped;
        PERFORM pg_notify('catalog_version', bumped::text);
        RETURN NULL;
      END $$`);
    for (const table of ['category', 'product']) {
      await queryRunner.query(`
        CREATE TRIGGER "${table}_bumps_catalog_version"
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['category', 'product']) {
      await queryRunner.query(`DROP TRIGGER "${table}_bumps_catalog_version" ON "${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION bump_catalog_version()`);
    await queryRunner.query(`DROP TABLE "catalog_version"`);
  }
}
