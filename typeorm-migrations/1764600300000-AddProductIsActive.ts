import { MigrationInterface, QueryRunner } from 'typeorm';

/** Products can be deactivated: hidden from lists and search, still answered by id. */
export class AddProductIsActive1764600300000 implements MigrationInterface {
  name = 'AddProductIsActive1764600300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "product" ADD "is_active" boolean NOT NULL DEFAULT true`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "product" DROP COLUMN "is_active"`);
  }
}
