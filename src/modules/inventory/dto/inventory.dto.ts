import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { IsIntegerIn } from '../../../common/integer';
import { PageDto } from '../../../common/dto/page.dto';
import { Text } from '../../../common/text';
import { Inventory, MAX_QUANTITY } from '../inventory.entity';
import { InventoryMovement, MOVEMENT_KINDS } from '../inventory-movement.entity';
import type { MovementKind } from '../inventory-movement.entity';
import type { StockChange } from '../inventory.repository';

export class SetInventoryDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: MAX_QUANTITY,
    example: 25,
    description: `The units on hand: a JSON integer 0..${MAX_QUANTITY}`,
  })
  @IsIntegerIn(0, MAX_QUANTITY)
  quantity!: number;
}

export class CreateAdjustmentDto {
  @ApiProperty({
    type: 'integer',
    minimum: -MAX_QUANTITY,
    maximum: MAX_QUANTITY,
    example: -3,
    description: `Units to add (positive) or take out (negative): a non-zero JSON integer within ±${MAX_QUANTITY}`,
  })
  @IsIntegerIn(-MAX_QUANTITY, MAX_QUANTITY, { nonZero: true })
  delta!: number;

  @ApiPropertyOptional({
    maxLength: 255,
    default: '',
    example: 'Stocktake: 3 units damaged',
    description:
      'Trimmed; 0..255 characters; line breaks and tabs are the only control characters allowed',
  })
  @ValidateIf((_, value) => value !== undefined)
  @Text(0, 255, { allowLineBreaks: true })
  note?: string;
}

export class InventoryDto {
  @ApiProperty({ example: 1 })
  product_id!: number;

  @ApiProperty({ minimum: 0, maximum: MAX_QUANTITY, example: 25 })
  quantity!: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    example: '2026-03-12T10:20:30.123Z',
    description: 'When the quantity last changed; null until its first change',
  })
  updated_at!: string | null;

  static from(inventory: Inventory): InventoryDto {
    return {
      product_id: Number(inventory.productId),
      quantity: inventory.quantity,
      updated_at: inventory.updatedAt?.toISOString() ?? null,
    };
  }
}

/** The `inventory` field that `include=inventory` adds to a product. */
export class ProductInventoryDto {
  @ApiProperty({ minimum: 0, maximum: MAX_QUANTITY, example: 25 })
  quantity!: number;

  @ApiProperty({ type: 'string', nullable: true, example: '2026-03-12T10:20:30.123Z' })
  updated_at!: string | null;

  /** Maps the jsonb of INVENTORY_INCLUDE_SQL; a product without a row reads 0, never changed. */
  static fromInclude(value: unknown): ProductInventoryDto {
    const included = value as { quantity: number; updated_at: string | null } | null;
    const updatedAt = included?.updated_at ?? null;
    return {
      quantity: included?.quantity ?? 0,
      updated_at: updatedAt === null ? null : new Date(updatedAt).toISOString(),
    };
  }
}

export class MovementDto {
  @ApiProperty({ example: 7 })
  id!: number;

  @ApiProperty({ example: 1 })
  product_id!: number;

  @ApiProperty({
    enum: MOVEMENT_KINDS,
    example: 'adjustment',
    description:
      'set: PUT of the quantity; adjustment: POST of a delta; order and cancellation: taken by an order, given back by its cancellation',
  })
  kind!: MovementKind;

  @ApiProperty({
    example: -3,
    description: 'The quantity after minus the quantity before; never 0',
  })
  delta!: number;

  @ApiProperty({ example: 22 })
  quantity_after!: number;

  @ApiProperty({ type: 'integer', nullable: true, example: null })
  order_id!: number | null;

  @ApiProperty({ example: 'Stocktake: 3 units damaged' })
  note!: string;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  created_at!: string;

  static from(movement: InventoryMovement): MovementDto {
    return {
      id: Number(movement.id),
      product_id: Number(movement.productId),
      kind: movement.kind,
      delta: movement.delta,
      quantity_after: movement.quantityAfter,
      order_id: movement.orderId === null ? null : Number(movement.orderId),
      note: movement.note,
      created_at: movement.createdAt.toISOString(),
    };
  }
}

export class AdjustmentDto {
  @ApiProperty({ type: MovementDto })
  movement!: MovementDto;

  @ApiProperty({ type: InventoryDto, description: 'The inventory after the adjustment' })
  inventory!: InventoryDto;

  static from(change: StockChange): AdjustmentDto {
    return {
      movement: MovementDto.from(change.movement),
      inventory: InventoryDto.from(change.inventory),
    };
  }
}

export class MovementPageDto extends PageDto<MovementDto> {
  @ApiProperty({ type: [MovementDto] })
  declare items: MovementDto[];
}
