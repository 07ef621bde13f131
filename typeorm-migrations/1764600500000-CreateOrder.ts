import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['order', 'order_line'];
const EVENTS = [
  ['insert', 'INSERT', 'NEW'],
  ['update', 'UPDATE', 'NEW'],
  ['delete', 'DELETE', 'OLD'],
] as const;

/**
 * Orders and their lines, with the copy of what was sold (sku, title, unit_price) and exact
 * numeric totals that the database checks; a line's product may be deleted (the line stays, its
 * product_id null), a customer with orders may not. The movements of kind order and cancellation
 * now name their order by a foreign key. Both tables bump the catalog version when a statement
 * changed a row, as the other commerce tables do (BumpCatalogVersionOnlyOnChangeForCommerce).
 */
export class CreateOrder1764600500000 implements MigrationInterface {
  name = 'CreateOrder1764600500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "order" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "customer_id" bigint NOT NULL,
        "status" character varying(12) NOT NULL DEFAULT 'pending',
        "item_count" integer NOT NULL,
        "total" numeric(18,2) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "order_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "order_status"
          CHECK ("status" IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
        CONSTRAINT "order_item_count_positive" CHECK ("item_count" > 0),
        CONSTRAINT "order_customer_id_fkey" FOREIGN KEY ("customer_id")
          REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
      )`);
    // Lists are newest first (created_at, then id, descending): a customer's orders, all orders,
    // the orders of one status.
    await queryRunner.query(`
      CREATE INDEX "order_customer_id_created_at_id_idx"
      ON "order" ("customer_id", "created_at" DESC, "id" DESC)`);
    await queryRunner.query(
      `CREATE INDEX "order_created_at_id_idx" ON "order" ("created_at" DESC, "id" DESC)`,
    );
    await queryRunner.query(`
      CREATE INDEX "order_status_created_at_id_idx"
      ON "order" ("status", "created_at" DESC, "id" DESC)`);

    await queryRunner.query(`
      CREATE TABLE "order_line" (
        "order_id" bigint NOT NULL,
        "position" smallint NOT NULL,
        "product_id" bigint,
        "sku" character varying(100) NOT NULL,
        "title" character varying(255) NOT NULL,
        "unit_price" numeric(12,2) NOT NULL,
        "quantity" integer NOT NULL,
        "line_total" numeric(18,2) NOT NULL,
        CONSTRAINT "order_line_pkey" PRIMARY KEY ("order_id", "position"),
        CONSTRAINT "order_line_quantity_positive" CHECK ("quantity" > 0),
        CONSTRAINT "order_line_total_exact" CHECK ("line_total" = "unit_price" * "quantity"),
        CONSTRAINT "order_line_order_id_fkey" FOREIGN KEY ("order_id")
          REFERENCES "order"("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "order_line_product_id_fkey" FOREIGN KEY ("product_id")
          REFERENCES "product"("id") ON DELETE SET NULL ON UPDATE NO ACTION
      )`);
    // A product delete sets its lines' product_id to null: found by this index, not a scan.
    await queryRunner.query(
      `CREATE INDEX "order_line_product_id_idx" ON "order_line" ("product_id")`,
    );

    await queryRunner.query(`
      ALTER TABLE "inventory_movement" ADD CONSTRAINT "inventory_movement_order_id_fkey"
      FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);

    for (const table of TABLES) {
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
    await queryRunner.query(
      `ALTER TABLE "inventory_movement" DROP CONSTRAINT "inventory_movement_order_id_fkey"`,
    );
    // Dropping the tables drops their triggers and indexes too.
    await queryRunner.query(`DROP TABLE "order_line"`);
    await queryRunner.query(`DROP TABLE "order"`);
  }
}
