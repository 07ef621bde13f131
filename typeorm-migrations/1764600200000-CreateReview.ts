import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reviews are read by catalog-tagged routes and product includes: their writes bump the version. */
const VERSIONED_TABLES = ['review', 'product_rating'];

/**
 * Reviews of products, at most one per customer and product, and the rating summary of each
 * product (count, sum and per-rating counts), kept exact by the statements that add and remove
 * reviews. A deleted product takes its reviews and summary with it; a deleted customer's reviews
 * stay, anonymous.
 */
export class CreateReview1764600200000 implements MigrationInterface {
  name = 'CreateReview1764600200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "review" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "product_id" bigint NOT NULL,
        "customer_id" bigint,
        "author" character varying(100) NOT NULL,
        "rating" smallint NOT NULL,
        "title" character varying(255) NOT NULL DEFAULT '',
        "body" text NOT NULL DEFAULT '',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "review_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "review_product_customer_unique" UNIQUE ("product_id", "customer_id"),
        CONSTRAINT "review_rating_range" CHECK ("rating" >= 1 AND "rating" <= 5),
        CONSTRAINT "review_product_id_fkey" FOREIGN KEY ("product_id")
          REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "review_customer_id_fkey" FOREIGN KEY ("customer_id")
          REFERENCES "customer"("id") ON DELETE SET NULL ON UPDATE NO ACTION
      )`);
    await queryRunner.query(
      `CREATE INDEX "review_product_id_created_at_idx" ON "review" ("product_id", "created_at", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "review_product_id_rating_idx" ON "review" ("product_id", "rating", "id")`,
    );
    // Serves the SET NULL of a customer's reviews when the customer is deleted.
    await queryRunner.query(`CREATE INDEX "review_customer_id_idx" ON "review" ("customer_id")`);
    await queryRunner.query(`
      CREATE TABLE "product_rating" (
        "product_id" bigint NOT NULL,
        "count" integer NOT NULL,
        "sum" bigint NOT NULL,
        "count_1" integer NOT NULL,
        "count_2" integer NOT NULL,
        "count_3" integer NOT NULL,
        "count_4" integer NOT NULL,
        "count_5" integer NOT NULL,
        CONSTRAINT "product_rating_pkey" PRIMARY KEY ("product_id"),
        CONSTRAINT "product_rating_counts_non_negative" CHECK (
          "count_1" >= 0 AND "count_2" >= 0 AND "count_3" >= 0 AND "count_4" >= 0 AND "count_5" >= 0),
        CONSTRAINT "product_rating_count_is_total" CHECK (
          "count" = "count_1" + "count_2" + "count_3" + "count_4" + "count_5"),
        CONSTRAINT "product_rating_sum_is_total" CHECK (
          "sum" = "count_1" + 2 * "count_2" + 3 * "count_3" + 4 * "count_4" + 5 * "count_5"),
        CONSTRAINT "product_rating_product_id_fkey" FOREIGN KEY ("product_id")
          REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    for (const table of VERSIONED_TABLES) {
      await queryRunner.query(`
        CREATE TRIGGER "${table}_bumps_catalog_version"
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "product_rating"`);
    await queryRunner.query(`DROP TABLE "review"`);
  }
}
