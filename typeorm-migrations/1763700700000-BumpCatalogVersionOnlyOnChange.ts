import { MigrationInterface, QueryRunner } from 'typeorm';

/** The counters of SpreadCatalogVersion. */
const SLOTS = 16;
const TABLES = ['category', 'product'];
const EVENTS = [
  ['insert', 'INSERT', 'NEW'],
  ['update', 'UPDATE', 'NEW'],
  ['delete', 'DELETE', 'OLD'],
] as const;

/**
 * A statement that changes no row no longer bumps the catalog version. Statement triggers fire for
 * zero rows too, so a refused PATCH or DELETE (a missing row, a stale If-Match: an UPDATE or
 * DELETE that matched nothing) changed every list and search ETag. Each trigger now reads the rows
 * its statement changed from a transition table, which takes one trigger per event, and bumps
 * only when there is one. TRUNCATE has no transition table and still always bumps.
 */
export class BumpCatalogVersionOnlyOnChange1763700700000 implements MigrationInterface {
  name = 'BumpCatalogVersionOnlyOnChange1763700700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION bump_catalog_version_if_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM changed) THEN
          UPDATE catalog_version SET version = version + 1 WHERE id = 1 + pg_backend_pid() % ${SLOTS};
        END IF;
        RETURN NULL;
      END $$`);
    for (const table of TABLES) {
      await queryRunner.query(`DROP TRIGGER "${table}_bumps_catalog_version" ON "${table}"`);
      for (const [name, event, image] of EVENTS) {
        await queryRunner.query(`
          CREATE TRIGGER "${table}_${name}_bumps_catalog_version"
          AFTER ${event} ON "${table}" REFERENCING ${image} TABLE AS changed
          FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version_if_changed()`);
      }
      await queryRunner.query(`
        CREATE TRIGGER "${table}_truncate_bumps_catalog_version"
        AFTER TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      for (const name of [...EVENTS.map(([name]) => name), 'truncate']) {
        await queryRunner.query(
          `DROP TRIGGER "${table}_${name}_bumps_catalog_version" ON "${table}"`,
        );
      }
      await queryRunner.query(`
        CREATE TRIGGER "${table}_bumps_catalog_version"
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()`);
    }
    await queryRunner.query(`DROP FUNCTION bump_catalog_version_if_changed()`);
  }
}
