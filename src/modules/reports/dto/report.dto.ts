import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import { PageDto, PageQueryDto, toInteger } from '../../../common/dto/page.dto';
import type { CategoryReport } from '../reports.repository';

export class ListReportsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    example: 1,
    description: 'One report per direct child of this category; per root when absent',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'parent_id must be a positive integer' })
  @Min(1, { message: 'parent_id must be a positive integer' })
  parent_id?: number;
}

/** A report as the OpenAPI document shows it. */
export const REPORT_EXAMPLE = {
  category_id: 2,
  name: 'Laptops',
  categories: 4,
  products: 12,
  active_products: 10,
  min_price: '499.00',
  max_price: '2399.99',
  average_price: '1187.45',
  stock_units: 240,
  stock_value: '284988.00',
  units_sold: 31,
  revenue: '36811.69',
  rating_average: '4.33',
  review_count: 57,
};

/** The figures of a category's whole subtree (the category itself and all its descendants). */
export class CategoryReportDto {
  @ApiProperty({ example: 2 })
  category_id!: number;

  @ApiProperty({ example: 'Laptops' })
  name!: string;

  @ApiProperty({ example: 4, description: 'Categories of the subtree, the category included' })
  categories!: number;

  @ApiProperty({
    example: 12,
    description: 'Products linked to the subtree, inactive ones included',
  })
  products!: number;

  @ApiProperty({ example: 10, description: 'Active products linked to the subtree' })
  active_products!: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    example: '499.00',
    description: 'Lowest price of an active product; null without one',
  })
  min_price!: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    example: '2399.99',
    description: 'Highest price of an active product; null without one',
  })
  max_price!: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    example: '1187.45',
    description:
      'Mean price of the active products, rounded half up to two fraction digits from the exact mean; null without one',
  })
  average_price!: string | null;

  @ApiProperty({ example: 240, description: 'Units on hand of the active products' })
  stock_units!: number;

  @ApiProperty({
    example: '284988.00',
    description: 'Exact sum of price × quantity over the active products',
  })
  stock_value!: string;

  @ApiProperty({
    example: 31,
    description:
      'Units of the lines of orders that are not cancelled, whose product is now in the subtree',
  })
  units_sold!: number;

  @ApiProperty({ example: '36811.69', description: 'Exact sum of those lines’ line_total' })
  revenue!: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    example: '4.33',
    description:
      'Mean rating of every review of the subtree’s products, rounded half up to two fraction digits; null without reviews',
  })
  rating_average!: string | null;

  @ApiProperty({ example: 57, description: 'Reviews of the subtree’s products' })
  review_count!: number;

  static from(report: CategoryReport): CategoryReportDto {
    return {
      category_id: Number(report.categoryId),
      name: report.name,
      categories: report.categories,
      products: report.products,
      active_products: report.activeProducts,
      min_price: report.minPrice,
      max_price: report.maxPrice,
      average_price: report.averagePrice,
      stock_units: report.stockUnits,
      stock_value: report.stockValue,
      units_sold: report.unitsSold,
      revenue: report.revenue,
      rating_average: report.ratingAverage,
      review_count: report.reviewCount,
    };
  }
}

export class CategoryReportPageDto extends PageDto<CategoryReportDto> {
  @ApiProperty({ type: [CategoryReportDto] })
  declare items: CategoryReportDto[];
}
