import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn } from 'class-validator';
import { toBoolean } from '../../../common/dto/page.dto';

export class ImportQueryDto {
  @ApiPropertyOptional({
    type: 'boolean',
    default: false,
    description:
      'true checks the file and answers the counts the import would have, writing nothing',
  })
  @Transform(toBoolean)
  @IsIn([true, false], { message: 'dry_run must be true or false' })
  dry_run = false;
}

export class ImportResultDto {
  @ApiProperty({ example: 120, description: 'Products created (SKUs not in the catalog before)' })
  created!: number;

  @ApiProperty({
    example: 30,
    description: 'Products of the file that existed (matched by normalised SKU), changed or not',
  })
  updated!: number;

  @ApiProperty({ example: 4, description: 'Categories created from category_path' })
  categories_created!: number;
}
