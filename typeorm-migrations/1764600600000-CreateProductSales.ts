import { MigrationInterface, QueryRunner } from 'typeorm';

const EVENTS = [
  ['insert', 'INSERT', 'NEW'],
  ['update', 'UPDATE', 'NEW'],
  ['delete', 'DELETE', 'OLD'],
] as const;

/**
 * The sales summary of each product: the units and revenue of its lines in orders that are not
 * cancelled, kept by the order statements (placing counts an order's lines in, the cancelling
 * move counts them out), filled here from the orders placed so far. The row goes with its
 * product, as the product's lines then count nowhere. It bumps the catalog version when a
 * statement changed a row, as the other commerce tables do.
 */
export class CreateProductSales1764600600000 implements MigrationInterface {
  name = 'CreateProductSales1764600600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "product_sales" (
        "product_id" bigint NOT NULL,
        "units_sold" bigint NOT NULL,
        "revenue" numeric NOT NULL,
        CONSTRAINT "product_sales_pkey" PRIMARY KEY ("product_id"),
        CONSTRAINT "product_sales_units_sold_non_negative" CHECK ("units_sold" >= 0),
        CONSTRAINT "product_sales_revenue_non_negative" CHECK ("revenue" >= 0),
        CONSTRAINT "product_sales_product_id_fkey" FOREIGN KEY ("product_id")
          REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`
      INSERT INTO "product_sales" ("product_id", "units_sold", "revenue")
      SELECT l.product_id, sum(l.quantity), sum(l.line_total)
      FROM "order_line" l JOIN "order" o ON o.id = l.order_id
      WHERE o.status <> 'cancelled' AND l.product_id IS NOT NULL
      GROUP BY l.product_id`);
    for (const [name, event, image] of EVENTS) {
      await queryRunner.query(`
        CREATE TRIGGER "product_sales_${name}_bumps_catalog_version"
        AFTER ${event} ON "product_sales" REFERENCING ${image} TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version_if_changed()`);
    }
    await queryRunner.query(`
      CREATE TRIGGER "product_sales_truncate_bumps_catalog_version"
      AFTER TRUNCATE ON "product_sales" FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Dropping the table drops its triggers too.
    await queryRunner.query(`DROP TABLE "product_sales"`);
  }
}
