import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each product's category path: the path of its category (ids from the root down to it; empty
 * when unlinked), GIN-indexed, so that a search by subtree is `category_path @> ARRAY[root]`: the
 * planner sees from the column's statistics how many products a subtree holds and can AND that
 * index with the title's and the price's, where `category_id = ANY(ARRAY(walk))` hid the size.
 * `parent_id` and `category_id` stay the source of truth; triggers keep the copy exact:
 * - an insert or a change of category_id takes the category's path under a share lock on its row,
 *   which a move's rewrite of that row waits for (or the other way round);
 * - a move rewrites the paths of the products of the moved subtree, with those of its categories.
 */
export class AddProductCategoryPath1764600900000 implements MigrationInterface {
  name = 'AddProductCategoryPath1764600900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "product" ADD "category_path" bigint array`);
    await queryRunner.query(`
      UPDATE product p SET category_path = coalesce(
        (SELECT c.path FROM category c WHERE c.id = p.category_id), '{}')`);
    await queryRunner.query(`ALTER TABLE "product" ALTER "category_path" SET NOT NULL`);
    await queryRunner.query(`
      ALTER TABLE "product" ADD CONSTRAINT "product_category_path_ends_at_category"
      CHECK ("category_path"[cardinality("category_path")] IS NOT DISTINCT FROM "category_id")`);
    await queryRunner.query(
      `CREATE INDEX "product_category_path_idx" ON "product" USING gin ("category_path")`,
    );
    await queryRunner.query(`
      CREATE FUNCTION set_product_category_path() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- An unknown category gets a path that passes the check, for the foreign key to refuse.
        NEW.category_path := CASE WHEN NEW.category_id IS NULL THEN '{}' ELSE coalesce(
          (SELECT path FROM category WHERE id = NEW.category_id FOR SHARE), ARRAY[NEW.category_id])
          END;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "product_sets_category_path"
      BEFORE INSERT OR UPDATE OF "category_id" ON "product"
      FOR EACH ROW EXECUTE FUNCTION set_product_category_path()`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION move_category_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE category SET path = NEW.path || path[cardinality(OLD.path) + 1:]
        WHERE path @> ARRAY[OLD.id] AND id <> OLD.id;
        UPDATE product SET category_path = NEW.path || category_path[cardinality(OLD.path) + 1:]
        WHERE category_path @> ARRAY[OLD.id];
        RETURN NULL;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION move_category_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE category SET path = NEW.path || path[cardinality(OLD.path) + 1:]
        WHERE path @> ARRAY[OLD.id] AND id <> OLD.id;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`DROP TRIGGER "product_sets_category_path" ON "product"`);
    await queryRunner.query(`DROP FUNCTION set_product_category_path()`);
    // Dropping the column drops its index and check too.
    await queryRunner.query(`ALTER TABLE "product" DROP COLUMN "category_path"`);
  }
}
