import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

// Static checks of the deployment and monitoring files: they parse, and they agree with each
// other and with the metric names the service exports. monitoring/check.sh adds promtool.

const ROOT = join(__dirname, '..');
const MONITORING = join(ROOT, 'monitoring');

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const readYaml = <T>(path: string): T => parse(read(path)) as T;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name))
      : [relative(ROOT, join(dir, entry.name))],
  );
}

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  ports?: string[];
  volumes?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
}
interface PanelTarget {
  expr?: string;
  refId: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: PanelTarget[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
}
interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
}
interface RuleFile {
  groups: { name: string; rules: AlertRule[] }[];
}
interface PrometheusConfig {
  global: { scrape_interval: string };
  rule_files: string[];
  scrape_configs: {
    job_name: string;
    scrape_interval?: string;
    metrics_path?: string;
    static_configs: { targets: string[] }[];
  }[];
}

const allPanels = (panels: Panel[] = []): Panel[] =>
  panels.flatMap((panel) => [panel, ...allPanels(panel.panels)]);

describe('monitoring and deployment files', () => {
  const files = filesUnder(MONITORING);
  const yamlFiles = [...files.filter((file) => /\.ya?ml$/.test(file)), 'docker-compose.yml'];
  const jsonFiles = files.filter((file) => file.endsWith('.json'));

  it('finds the files it is meant to check', () => {
    expect(jsonFiles).toContain('monitoring/grafana/dashboards/catalog.json');
    expect(yamlFiles).toEqual(
      expect.arrayContaining([
        'monitoring/prometheus/prometheus.yml',
        'monitoring/prometheus/alerts.yml',
        'monitoring/grafana/provisioning/datasources/prometheus.yml',
        'monitoring/grafana/provisioning/dashboards/dashboards.yml',
      ]),
    );
  });

  it.each(yamlFiles)('%s is valid YAML', (file) => {
    expect(parse(read(file))).toEqual(expect.any(Object));
  });

  it.each(jsonFiles)('%s is valid JSON', (file) => {
    expect(JSON.parse(read(file))).toEqual(expect.any(Object));
  });

  describe('docker-compose.yml', () => {
    const compose = readYaml<Compose>('docker-compose.yml');

    it('has the five services', () => {
      expect(Object.keys(compose.services).sort()).toEqual(
        ['catalog', 'grafana', 'postgres', 'prometheus', 'redis'].sort(),
      );
    });

    it('builds the service from docker/Dockerfile and points it at postgres and redis', () => {
      const catalog = compose.services.catalog;
      expect(catalog.build).toEqual({ context: '.', dockerfile: 'docker/Dockerfile' });
      expect(catalog.environment?.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(catalog.environment?.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
      expect(catalog.ports).toContain('3000:3000');
      expect(catalog.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    });

    it('gives postgres and redis health checks', () => {
      expect(compose.services.postgres.image).toBe('postgres:16');
      expect(JSON.stringify(compose.services.postgres.healthcheck?.test)).toContain('pg_isready');
      expect(compose.services.redis.image).toMatch(/^redis:7/);
      expect(JSON.stringify(compose.services.redis.healthcheck?.test)).toContain('ping');
    });

    it('mounts the monitoring config where Prometheus and Grafana read it', () => {
      expect(compose.services.prometheus.volumes).toContain(
        './monitoring/prometheus:/etc/prometheus:ro',
      );
      expect(compose.services.prometheus.ports).toContain('9090:9090');
      const provider = readYaml<{ providers: { options: { path: string } }[] }>(
        'monitoring/grafana/provisioning/dashboards/dashboards.yml',
      ).providers[0];
      expect(compose.services.grafana.volumes).toEqual(
        expect.arrayContaining([
          './monitoring/grafana/provisioning:/etc/grafana/provisioning:ro',
          `./monitoring/grafana/dashboards:${provider.options.path}:ro`,
        ]),
      );
      expect(compose.services.grafana.ports).toContain('3001:3000');
    });
  });

  describe('prometheus.yml', () => {
    const config = readYaml<PrometheusConfig>('monitoring/prometheus/prometheus.yml');

    it('scrapes catalog:3000/metrics every 15s and loads the alert rules', () => {
      const job = config.scrape_configs.find((scrape) =>
        scrape.static_configs.some((group) => group.targets.includes('catalog:3000')),
      );
      expect(job).toBeDefined();
      expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
      expect(job?.scrape_interval ?? config.global.scrape_interval).toBe('15s');
      expect(config.rule_files).toContain('alerts.yml');
    });
  });

  describe('alerts.yml', () => {
    const alerts = Object.fromEntries(
      readYaml<RuleFile>('monitoring/prometheus/alerts.yml')
        .groups.flatMap((group) => group.rules)
        .filter((rule) => rule.alert)
        .map((rule) => [rule.alert, rule]),
    ) as Record<string, AlertRule>;
    const squash = (expr: string) => expr.replace(/\s+/g, ' ').trim();

    it('has the three alerts', () => {
      expect(Object.keys(alerts).sort()).toEqual([
        'CatalogDbPoolSaturated',
        'CatalogHighErrorRate',
        'CatalogSlowRoute',
      ]);
    });

    it('alerts on a 5xx ratio above 5% for 5m', () => {
      const rule = alerts.CatalogHighErrorRate;
      expect(rule.expr).toContain('catalog_http_requests_total{status_class="5xx"}');
      expect(squash(rule.expr)).toMatch(/> 0\.05$/);
      expect(rule.for).toBe('5m');
    });

    it('alerts on a route p95 above 200 ms for 10m', () => {
      const rule = alerts.CatalogSlowRoute;
      expect(squash(rule.expr)).toContain(
        'histogram_quantile(0.95, sum by (le, route) (rate(catalog_http_request_duration_seconds_bucket[5m]))) > 0.2',
      );
      expect(rule.for).toBe('10m');
    });

    it('alerts on waiting pool connections or more than 90% in use for 5m', () => {
      const rule = alerts.CatalogDbPoolSaturated;
      expect(rule.expr).toContain('catalog_db_pool_connections{state="waiting"}');
      expect(rule.expr).toContain('catalog_db_pool_connections{state="in_use"}');
      expect(squash(rule.expr)).toMatch(/ or .*> 0\.9$/);
      expect(rule.for).toBe('5m');
    });
  });

  describe('the Grafana dashboard', () => {
    const dashboard = JSON.parse(read('monitoring/grafana/dashboards/catalog.json')) as Dashboard;
    const panels = allPanels(dashboard.panels);
    const exprs = panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr ?? '');
    const datasource = readYaml<{ datasources: { uid: string }[] }>(
      'monitoring/grafana/provisioning/datasources/prometheus.yml',
    ).datasources[0];

    it.each([
      'catalog_http_requests_total',
      'catalog_http_errors_total',
      'catalog_http_request_duration_seconds_bucket',
      'catalog_http_request_duration_seconds_count',
      'catalog_db_pool_connections',
      'catalog_search_zero_results_total',
      'catalog_search_requests_total',
      'catalog_db_query_duration_seconds_bucket',
      'catalog_product_mutations_total',
      'catalog_category_mutations_total',
      'catalog_category_rule_failures_total',
    ])('queries %s', (metric) => {
      expect(exprs.some((expr) => new RegExp(`\\b${metric}\\b`).test(expr))).toBe(true);
    });

    it('groups only by the labels each metric has', () => {
      const labels: Record<string, string[]> = {
        catalog_http_requests_total: ['method', 'route', 'status_class'],
        catalog_http_request_duration_seconds: ['method', 'route', 'status_class', 'le'],
        catalog_http_errors_total: ['status', 'code'],
        catalog_db_query_duration_seconds: ['operation', 'le'],
        catalog_db_pool_connections: ['state'],
        catalog_product_mutations_total: ['operation', 'outcome'],
        catalog_category_mutations_total: ['operation', 'outcome'],
        catalog_category_rule_failures_total: ['reason'],
      };
      // Each `sum by (...) (rate(metric...` or `sum by (...) (metric...` names the metric's labels.
      const grouping =
        /by \(([^)]*)\) \((?:rate\()?(catalog_[a-z_]+?)(?:_bucket|_count|_sum)?[{[)]/g;
      let checked = 0;
      for (const expr of exprs) {
        for (const [, by, metric] of expr.matchAll(grouping)) {
          const allowed = labels[metric];
          if (!allowed) continue;
          for (const label of by.split(',').map((name) => name.trim())) {
            expect({ metric, label, allowed: allowed.includes(label) }).toEqual({
              metric,
              label,
              allowed: true,
            });
          }
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(10);
    });

    it('has unique panel ids and every query panel uses the provisioned data source', () => {
      const ids = panels.map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of panels.filter((candidate) => candidate.type !== 'row')) {
        expect({ title: panel.title, uid: panel.datasource?.uid }).toEqual({
          title: panel.title,
          uid: datasource.uid,
        });
        expect(panel.targets?.length).toBeGreaterThan(0);
      }
    });
  });

  describe('.env.example', () => {
    it('lists every setting with a comment', () => {
      const text = read('.env.example');
      for (const name of [
        'PORT',
        'DATABASE_URL',
        'DATABASE_READ_URLS',
        'EMBEDDED_PG_DIR',
        'EMBEDDED_PG_PORT',
        'DB_POOL_SIZE',
        'DB_RUN_MIGRATIONS',
        'LOG_LEVEL',
        'SLOW_REQUEST_MS',
        'OTEL_EXPORTER_OTLP_ENDPOINT',
        'REDIS_URL',
        'RATE_LIMIT_PER_MINUTE',
        'TRUST_PROXY',
        'RESULT_CACHE_ENTRIES',
        'RESULT_CACHE_MAX_BYTES',
      ]) {
        expect(text).toMatch(new RegExp(`^#[^\\n]*\\n(# )?${name}=`, 'm'));
      }
    });
  });
});
