import { MigrationInterface, QueryRunner } from 'typeorm';

/** Key of the advisory lock every change to the tree's shape takes (CategoriesRepository.lockTree). */
const TREE_LOCK_KEY = 7_261_001;

/**
 * Each category's path: the ids from its root down to itself, kept by triggers from `parent_id`
 * (the source of truth), so that a report finds the subtrees of a page of categories with one
 * index scan instead of walking the tree. A child's insert or a move takes the tree lock itself
 * (the service already holds it), so no two shape changes compute paths from each other's stale
 * ones; a move rewrites the paths of the moved category's whole subtree.
 */
export class AddCategoryPath1764600800000 implements MigrationInterface {
  name = 'AddCategoryPath1764600800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "category" ADD "path" bigint array`);
    await queryRunner.query(`
      WITH RECURSIVE paths(id, path) AS (
        SELECT id, ARRAY[id] FROM category WHERE parent_id IS NULL
        UNION ALL
        SELECT c.id, p.path || c.id FROM category c JOIN paths p ON c.parent_id = p.id
      )
      UPDATE category c SET path = paths.path FROM paths WHERE paths.id = c.id`);
    await queryRunner.query(`ALTER TABLE "category" ALTER "path" SET NOT NULL`);
    await queryRunner.query(`
      ALTER TABLE "category" ADD CONSTRAINT "category_path_ends_at_itself"
      CHECK ("path"[cardinality("path")] = "id")`);
    await queryRunner.query(`CREATE INDEX "category_path_idx" ON "category" USING gin ("path")`);

    await queryRunner.query(`
      CREATE FUNCTION set_category_path() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' OR NEW.parent_id IS NOT NULL THEN
          PERFORM pg_advisory_xact_lock(${TREE_LOCK_KEY});
        END IF;
        NEW.path := coalesce((SELECT path FROM category WHERE id = NEW.parent_id), '{}') || NEW.id;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "category_sets_path"
      BEFORE INSERT OR UPDATE OF "parent_id" ON "category"
      FOR EACH ROW EXECUTE FUNCTION set_category_path()`);
    await queryRunner.query(`
      CREATE FUNCTION move_category_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE category SET path = NEW.path || path[cardinality(OLD.path) + 1:]
        WHERE path @> ARRAY[OLD.id] AND id <> OLD.id;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "category_moves_subtree"
      AFTER UPDATE OF "parent_id" ON "category"
      FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
      EXECUTE FUNCTION move_category_subtree()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "category_moves_subtree" ON "category"`);
    await queryRunner.query(`DROP FUNCTION move_category_subtree()`);
    await queryRunner.query(`DROP TRIGGER "category_sets_path" ON "category"`);
    await queryRunner.query(`DROP FUNCTION set_category_path()`);
    // Dropping the column drops its index and check too.
    await queryRunner.query(`ALTER TABLE "category" DROP COLUMN "path"`);
  }
}
