import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * pg_trgm finds no trigram in a needle of two characters (a two-character CJK word such as 手机),
 * so `title ILIKE '%手机%'` scans every title. The distinct bigrams of the lower-cased title, in a
 * GIN index, give search an index-usable necessary condition for such needles. lower() is
 * IMMUTABLE, so it may appear in an index expression.
 */
export class CreateProductTitleBigramIndex1763700600000 implements MigrationInterface {
  name = 'CreateProductTitleBigramIndex1763700600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION catalog_bigrams(text) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      AS $$
        SELECT ARRAY(SELECT DISTINCT substr($1, i, 2) FROM generate_series(1, char_length($1) - 1) AS i)
      $$`);
    await queryRunner.query(
      `CREATE INDEX "product_title_bigram_idx" ON "product" USING gin (catalog_bigrams(lower("title")))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "product_title_bigram_idx"`);
    await queryRunner.query(`DROP FUNCTION catalog_bigrams(text)`);
  }
}
