import { ApiProperty } from '@nestjs/swagger';

/** The shapes of the fields `include` adds to a product (filled by the modules that own them). */
export class IncludedCategoryDto {
  @ApiProperty({ example: 2 })
  id!: number;

  @ApiProperty({ example: 'Laptops' })
  name!: string;

  @ApiProperty({ type: 'integer', nullable: true, example: 1 })
  parent_id!: number | null;
}

export class IncludedInventoryDto {
  @ApiProperty({ minimum: 0, maximum: 1_000_000_000, example: 12 })
  quantity!: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    example: '2026-03-12T10:20:30.123Z',
    description: 'null until the stock first changes',
  })
  updated_at!: string | null;
}

export class IncludedRatingDto {
  @ApiProperty({
    type: 'string',
    nullable: true,
    example: '4.33',
    description: 'The mean rating, rounded half up to two digits; null without reviews',
  })
  average!: string | null;

  @ApiProperty({ example: 3 })
  count!: number;
}

export class IncludedReviewDto {
  @ApiProperty({ example: 7 })
  id!: number;

  @ApiProperty({ example: 1 })
  product_id!: number;

  @ApiProperty({ type: 'integer', nullable: true, example: 3 })
  customer_id!: number | null;

  @ApiProperty({ example: 'Ann' })
  author!: string;

  @ApiProperty({ minimum: 1, maximum: 5, example: 5 })
  rating!: number;

  @ApiProperty({ example: 'Great keyboard' })
  title!: string;

  @ApiProperty({ example: 'Light and fast.' })
  body!: string;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  created_at!: string;
}
