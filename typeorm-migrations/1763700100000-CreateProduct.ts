import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateProduct1763700100000 implements MigrationInterface {
  name = 'CreateProduct1763700100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`
      CREATE TABLE "product" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "title" character varying(255) NOT NULL,
        "description" text NOT NULL DEFAULT '',
        "image_url" character varying(2083),
        "sku" character varying(100) NOT NULL,
        "price" numeric(12,2) NOT NULL,
        "category_id" bigint,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "product_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "product_price_non_negative" CHECK ("price" >= 0),
        CONSTRAINT "product_category_id_fkey" FOREIGN KEY ("category_id")
          REFERENCES "category"("id") ON DELETE SET NULL ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "product_sku_unique" ON "product" ("sku")`);
    await queryRunner.query(`CREATE INDEX "product_price_idx" ON "product" ("price")`);
    await queryRunner.query(`CREATE INDEX "product_category_id_idx" ON "product" ("category_id")`);
    // Serves `title ILIKE '%...%'` and the trigram similarity of fuzzy search.
    await queryRunner.query(
      `CREATE INDEX "product_title_trgm_idx" ON "product" USING gin ("title" gin_trgm_ops)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "product"`);
  }
}
