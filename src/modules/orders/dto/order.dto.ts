import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  ValidateNested,
} from 'class-validator';
import { IsIntegerIn } from '../../../common/integer';
import { PageDto, PageQueryDto, toInteger } from '../../../common/dto/page.dto';
import { MAX_LINE_QUANTITY, MAX_LINES, Order, ORDER_STATUSES } from '../order.entity';
import type { OrderStatus } from '../order.entity';
import type { OrderLine } from '../order-line.entity';

export class OrderLineInputDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1, description: 'An active product' })
  @IsIntegerIn(1, Number.MAX_SAFE_INTEGER)
  product_id!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_LINE_QUANTITY,
    example: 3,
    description: `A JSON integer 1..${MAX_LINE_QUANTITY}`,
  })
  @IsIntegerIn(1, MAX_LINE_QUANTITY)
  quantity!: number;
}

export class CreateOrderDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
  @IsIntegerIn(1, Number.MAX_SAFE_INTEGER)
  customer_id!: number;

  @ApiProperty({
    type: [OrderLineInputDto],
    minItems: 1,
    maxItems: MAX_LINES,
    example: [
      { product_id: 1, quantity: 3 },
      { product_id: 2, quantity: 1 },
    ],
    description: `1..${MAX_LINES} lines; lines naming the same product are merged into one, with the summed quantity (which may then exceed ${MAX_LINE_QUANTITY})`,
  })
  @IsArray({ message: 'lines must be an array' })
  @ArrayMinSize(1, { message: `lines must have 1 to ${MAX_LINES} lines` })
  @ArrayMaxSize(MAX_LINES, { message: `lines must have 1 to ${MAX_LINES} lines` })
  @ValidateNested({ each: true })
  @Type(() => OrderLineInputDto)
  lines!: OrderLineInputDto[];
}

export class UpdateOrderDto {
  @ApiProperty({
    enum: ORDER_STATUSES,
    example: 'paid',
    description:
      'The next status: pending -> paid -> shipped -> delivered; pending or paid -> cancelled. Any other move is a 409 invalid_transition.',
  })
  @IsIn(ORDER_STATUSES, { message: `status must be one of ${ORDER_STATUSES.join(', ')}` })
  status!: OrderStatus;
}

export class ListOrdersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    example: 1,
    description: 'Only this customer’s orders',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsIntegerIn(1, Number.MAX_SAFE_INTEGER)
  customer_id?: number;

  @ApiPropertyOptional({
    enum: ORDER_STATUSES,
    example: 'pending',
    description: 'Only orders in this status',
  })
  @IsOptional()
  @IsIn(ORDER_STATUSES, { message: `status must be one of ${ORDER_STATUSES.join(', ')}` })
  status?: OrderStatus;
}

export class OrderLineDto {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 1,
    description: 'null once the product was deleted; the copy below stays',
  })
  product_id!: number | null;

  @ApiProperty({ example: 'UBX13-16', description: 'The product’s SKU when the order was placed' })
  sku!: string;

  @ApiProperty({
    example: 'UltraBook X13',
    description: 'The product’s title when the order was placed',
  })
  title!: string;

  @ApiProperty({ example: '19.99', description: 'The product’s price when the order was placed' })
  unit_price!: string;

  @ApiProperty({ example: 3 })
  quantity!: number;

  @ApiProperty({ example: '59.97', description: 'unit_price × quantity, exact' })
  line_total!: string;

  static from(line: OrderLine): OrderLineDto {
    return {
      product_id: line.productId === null ? null : Number(line.productId),
      sku: line.sku,
      title: line.title,
      unit_price: line.unitPrice,
      quantity: line.quantity,
      line_total: line.lineTotal,
    };
  }
}

export class OrderDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 1 })
  customer_id!: number;

  @ApiProperty({ enum: ORDER_STATUSES, example: 'pending' })
  status!: OrderStatus;

  @ApiProperty({
    type: [OrderLineDto],
    description: 'In the order their products first appear in the request',
  })
  lines!: OrderLineDto[];

  @ApiProperty({ example: 4, description: 'The sum of the lines’ quantities' })
  item_count!: number;

  @ApiProperty({
    example: '64.96',
    description:
      'The exact sum of the line totals, two fraction digits (up to 9999999999999999.99)',
  })
  total!: string;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  created_at!: string;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  updated_at!: string;

  static from(order: Order): OrderDto {
    return {
      id: Number(order.id),
      customer_id: Number(order.customerId),
      status: order.status,
      lines: (order.lines ?? []).map((line) => OrderLineDto.from(line)),
      item_count: order.itemCount,
      total: order.total,
      created_at: order.createdAt.toISOString(),
      updated_at: order.updatedAt.toISOString(),
    };
  }
}

export class OrderPageDto extends PageDto<OrderDto> {
  @ApiProperty({ type: [OrderDto] })
  declare items: OrderDto[];
}

export const INSUFFICIENT_STOCK_EXAMPLE = {
  type: 'https://catalog.example.com/problems/insufficient-stock',
  title: 'Insufficient stock',
  status: 409,
  detail: 'Not enough stock for 1 product; nothing was written.',
  instance: '/api/v1/orders',
  code: 'insufficient_stock',
  items: [{ product_id: 2, requested: 5, available: 1 }],
};

export const UNKNOWN_PRODUCT_EXAMPLE = {
  type: 'https://catalog.example.com/problems/unknown-product',
  title: 'Unknown product',
  status: 422,
  detail: 'An order line names a product that does not exist or is inactive; nothing was written.',
  instance: '/api/v1/orders',
  code: 'unknown_product',
  errors: [
    { field: 'lines[2].product_id', message: 'product 7 is inactive and cannot be ordered' },
  ],
};

export const INVALID_TRANSITION_EXAMPLE = {
  type: 'https://catalog.example.com/problems/invalid-transition',
  title: 'Invalid status transition',
  status: 409,
  detail: 'Order 1 cannot move from pending to shipped.',
  instance: '/api/v1/orders/1',
  code: 'invalid_transition',
};
