import { Module } from '@nestjs/common';
import { CategoriesModule } from '../categories/categories.module';
import { InventoryModule } from '../inventory/inventory.module';
import { ProductsModule } from '../products/products.module';
import { CatalogTransferController } from './catalog-transfer.controller';
import { CatalogTransferRepository } from './catalog-transfer.repository';
import { CatalogTransferService } from './catalog-transfer.service';

/** Bulk export and import of products: CSV and NDJSON out, CSV in. */
@Module({
  imports: [ProductsModule, CategoriesModule, InventoryModule],
  controllers: [CatalogTransferController],
  providers: [CatalogTransferService, CatalogTransferRepository],
})
export class CatalogTransferModule {}
