import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageDto, PageQueryDto, toInteger } from '../../../common/dto/page.dto';
import { Text } from '../../../common/text';
import { IsIdOrNull } from '../../../common/pipes/parse-id.pipe';
import { Category, MAX_CATEGORY_DEPTH } from '../category.entity';
import type { CategoryTree } from '../categories.service';

export class CreateCategoryDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 255,
    example: 'Laptops',
    description: 'Trimmed; 1..255 characters; unique among siblings',
  })
  @Text(1, 255)
  name!: string;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    example: 1,
    description: 'null or absent for a root',
  })
  @IsOptional()
  @IsIdOrNull()
  parent_id?: number | null;
}

/** Any subset of the fields; a name can't be null, a parent_id of null makes the category a root. */
export class UpdateCategoryDto extends PartialType(CreateCategoryDto, {
  skipNullProperties: false,
}) {}

export class ListCategoriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    example: 1,
    description: 'Only the direct children of this category',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'parent_id must be a positive integer' })
  @Min(1, { message: 'parent_id must be a positive integer' })
  parent_id?: number;
}

export class TreeQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_CATEGORY_DEPTH,
    default: 1,
    example: 2,
    description: 'How many levels below the category to include',
  })
  @Transform(toInteger)
  @IsInt({ message: 'depth must be an integer' })
  @Min(0, { message: `depth must be between 0 and ${MAX_CATEGORY_DEPTH}` })
  @Max(MAX_CATEGORY_DEPTH, { message: `depth must be between 0 and ${MAX_CATEGORY_DEPTH}` })
  depth = 1;
}

export class CategoryDto {
  @ApiProperty({ example: 2 })
  id!: number;

  @ApiProperty({ example: 'Laptops' })
  name!: string;

  @ApiProperty({ type: 'integer', nullable: true, example: 1 })
  parent_id!: number | null;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  created_at!: string;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  updated_at!: string;

  static from(category: Category): CategoryDto {
    return {
      id: Number(category.id),
      name: category.name,
      parent_id: category.parentId === null ? null : Number(category.parentId),
      created_at: category.createdAt.toISOString(),
      updated_at: category.updatedAt.toISOString(),
    };
  }
}

export class CategoryTreeDto extends CategoryDto {
  @ApiProperty({
    type: () => [CategoryTreeDto],
    description: 'Direct children, each nested the same way',
  })
  children!: CategoryTreeDto[];

  static fromTree(tree: CategoryTree): CategoryTreeDto {
    return {
      ...CategoryDto.from(tree.category),
      children: tree.children.map((child) => CategoryTreeDto.fromTree(child)),
    };
  }
}

export class CategoryPageDto extends PageDto<CategoryDto> {
  @ApiProperty({ type: [CategoryDto] })
  declare items: CategoryDto[];
}
