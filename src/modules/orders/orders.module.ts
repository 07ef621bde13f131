import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogVersionModule } from '../../catalog-version/catalog-version.module';
import { IdempotencyModule } from '../../idempotency/idempotency.module';
import { InventoryModule } from '../inventory/inventory.module';
import { Order } from './order.entity';
import { OrderLine } from './order-line.entity';
import { ProductSales } from './product-sales.entity';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Order, OrderLine, ProductSales]),
    CatalogVersionModule,
    IdempotencyModule,
    InventoryModule,
  ],
  controllers: [OrdersController],
  providers: [OrdersService, OrdersRepository],
})
export class OrdersModule {}
