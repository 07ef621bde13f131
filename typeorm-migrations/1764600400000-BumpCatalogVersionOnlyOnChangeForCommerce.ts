import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['inventory', 'inventory_movement', 'customer', 'review', 'product_rating'];
const EVENTS = [
  ['insert', 'INSERT', 'NEW'],
  ['update', 'UPDATE', 'NEW'],
  ['delete', 'DELETE', 'OLD'],
] as const;

/**
 * The commerce tables bump the catalog version only when a statement changed a row, as products
 * and categories do since BumpCatalogVersionOnlyOnChange: a refused adjustment (409) or a set to
 * the same quantity leaves every ETag as it was.
 */
export class BumpCatalogVersionOnlyOnChangeForCommerce1764600400000 implements MigrationInterface {
  name = 'BumpCatalogVersionOnlyOnChangeForCommerce1764600400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
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
  }
}
