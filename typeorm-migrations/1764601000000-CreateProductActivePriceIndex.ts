import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The active products by price, then id, for a search by price range. Its exact total becomes an
 * index-only scan of just the matches: without this index it read the whole of
 * `product_active_category_id_price_idx`, whose leading column is the category, or visited every
 * match in the heap for `is_active`. sort=price pages (and their cursors) become an ordered scan
 * that stops after the page. With `id` in the key the index costs about as much to scan as
 * `product_price_idx`, so searches that combine the range with text and a subtree keep their plans
 * (a smaller `(price)` index got added to their bitmap AND, reading more than it saved).
 * `product_price_idx` stays for include_inactive=true.
 */
export class CreateProductActivePriceIndex1764601000000 implements MigrationInterface {
  name = 'CreateProductActivePriceIndex1764601000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "product_active_price_id_idx" ON "product" ("price", "id") WHERE "is_active"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "product_active_price_id_idx"`);
  }
}
