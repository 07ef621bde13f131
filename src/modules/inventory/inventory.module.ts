import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogVersionModule } from '../../catalog-version/catalog-version.module';
import { IdempotencyModule } from '../../idempotency/idempotency.module';
import { ProductIncludes } from '../products/product-includes';
import { ProductsModule } from '../products/products.module';
import { ProductInventoryDto } from './dto/inventory.dto';
import { InventoryController } from './inventory.controller';
import { Inventory } from './inventory.entity';
import { InventoryMovement } from './inventory-movement.entity';
import { INVENTORY_INCLUDE_SQL, InventoryRepository } from './inventory.repository';
import { InventoryService } from './inventory.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Inventory, InventoryMovement]),
    CatalogVersionModule,
    IdempotencyModule,
    ProductsModule,
  ],
  controllers: [InventoryController],
  providers: [InventoryService, InventoryRepository],
  exports: [InventoryService],
})
export class InventoryModule implements OnModuleInit {
  constructor(private readonly includes: ProductIncludes) {}

  /** Product reads may include a product's stock; Products knows it only through the registry. */
  onModuleInit(): void {
    this.includes.register({
      name: 'inventory',
      sql: INVENTORY_INCLUDE_SQL,
      toDto: (value) => ProductInventoryDto.fromInclude(value),
    });
  }
}
