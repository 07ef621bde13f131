import { Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogVersionModule } from '../../catalog-version/catalog-version.module';
import { CategoriesModule } from '../categories/categories.module';
import { Product } from '../products/product.entity';
import { ReportsController } from './reports.controller';
import { ReportsRepository } from './reports.repository';
import { ReportsService } from './reports.service';

/** Reports read the pending deltas too, so this only keeps their number (and each report's work) small. */
const FOLD_INTERVAL_MS = 1000;

@Module({
  imports: [TypeOrmModule.forFeature([Product]), CatalogVersionModule, CategoriesModule],
  controllers: [ReportsController],
  providers: [ReportsService, ReportsRepository],
})
export class ReportsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reports');
  private folding?: NodeJS.Timeout;

  constructor(private readonly reports: ReportsRepository) {}

  onApplicationBootstrap(): void {
    let running = false;
    this.folding = setInterval(() => {
      if (running) return;
      running = true;
      this.reports
        .fold()
        .catch((error: Error) =>
          this.logger.warn(`Folding the category figures failed: ${error.message}`),
        )
        .finally(() => (running = false));
    }, FOLD_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.folding);
  }
}
