import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stock: one `inventory` row per product, made by a trigger on every product insert (so Products
 * stays unaware of it) and backfilled for the products that already exist; and the movements that
 * explain every change of a quantity. Both tables bump the catalog version like product and
 * category do, so no list or search ETag outlives an acknowledged stock change.
 */
export class CreateInventory1764600000000 implements MigrationInterface {
  name = 'CreateInventory1764600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "inventory" (
        "product_id" bigint NOT NULL,
        "quantity" integer NOT NULL DEFAULT 0,
        "updated_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "inventory_pkey" PRIMARY KEY ("product_id"),
        CONSTRAINT "inventory_quantity_range" CHECK ("quantity" >= 0 AND "quantity" <= 1000000000),
        CONSTRAINT "inventory_product_id_fkey" FOREIGN KEY ("product_id")
          REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`
      CREATE TABLE "inventory_movement" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "product_id" bigint NOT NULL,
        "kind" character varying(12) NOT NULL,
        "delta" integer NOT NULL,
        "quantity_after" integer NOT NULL,
        "order_id" bigint,
        "note" character varying(255) NOT NULL DEFAULT '',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "inventory_movement_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "inventory_movement_kind"
          CHECK ("kind" IN ('set', 'adjustment', 'order', 'cancellation')),
        CONSTRAINT "inventory_movement_delta_non_zero" CHECK ("delta" <> 0),
        CONSTRAINT "inventory_movement_product_id_fkey" FOREIGN KEY ("product_id")
          REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    // A product's movements, newest first (a backward scan), and keyset pages of them.
    await queryRunner.query(
      `CREATE INDEX "inventory_movement_product_id_id_idx" ON "inventory_movement" ("product_id", "id")`,
    );

    // One statement-level trigger with a transition table: a bulk insert of products makes their
    // inventory rows in one INSERT, not one per product.
    await queryRunner.query(`
      CREATE FUNCTION create_inventory() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO inventory (product_id) SELECT id FROM inserted_product;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "product_creates_inventory"
      AFTER INSERT ON "product" REFERENCING NEW TABLE AS inserted_product
      FOR EACH STATEMENT EXECUTE FUNCTION create_inventory()`);
    await queryRunner.query(`INSERT INTO "inventory" ("product_id") SELECT "id" FROM "product"`);

    for (const table of ['inventory', 'inventory_movement']) {
      await queryRunner.query(`
        CREATE TRIGGER "${table}_bumps_catalog_version"
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "product_creates_inventory" ON "product"`);
    await queryRunner.query(`DROP FUNCTION create_inventory()`);
    // Dropping the tables drops their catalog-version triggers and indexes too.
    await queryRunner.query(`DROP TABLE "inventory_movement"`);
    await queryRunner.query(`DROP TABLE "inventory"`);
  }
}
