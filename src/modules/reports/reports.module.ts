import { Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogVersionModule } from '../../catalog-version/catalog-version.module';
import { CatalogVersion } from '../../catalog-version/catalog-version.service';
import { CategoriesModule } from '../categories/categories.module';
import { Product } from '../products/product.entity';
import { ReportsController } from './reports.controller';
import { ReportsRepository } from './reports.repository';
import { ReportsService } from './reports.service';

/**
 * Reports read the pending deltas too, so folding only keeps their number (and each report's work)
 * small: it runs after this instance's writes, never on an idle service.
 */
const FOLD_INTERVAL_MS = 1000;

@Module({
  imports: [TypeOrmModule.forFeature([Product]), CatalogVersionModule, CategoriesModule],
  controllers: [ReportsController],
  providers: [ReportsService, ReportsRepository],
})
export class ReportsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reports');
  private folding?: NodeJS.Timeout;

  constructor(
    private readonly reports: ReportsRepository,
    private readonly catalogVersion: CatalogVersion,
  ) {}

  onApplicationBootstrap(): void {
    let running = false;
    let foldedAfter = -1;
    this.folding = setInterval(() => {
      const writes = this.catalogVersion.writes;
      if (running || writes === foldedAfter) return;
      running = true;
      this.reports
        .fold()
        .then(() => (foldedAfter = writes))
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
