#!/usr/bin/env bash
# Checks the monitoring and deployment config files:
#   - every JSON file under monitoring/ parses (the Grafana dashboards);
#   - every YAML file under monitoring/ and docker-compose.yml parses (the `yaml` package);
#   - with promtool: the alert rules, the Prometheus config, the alert rules' unit tests and
#     the PromQL of every dashboard panel.
# Without promtool on PATH it installs Debian's `prometheus` package when running as root
# with CI set; if that is not possible it warns and runs the parse checks only.
# Exits non-zero on any failure. Needs node and node_modules (npm ci) for the `yaml` package.
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

if ! command -v node > /dev/null; then
  echo "FAIL: node is not on PATH" >&2
  exit 1
fi
if ! node -e "require.resolve('yaml')" 2> /dev/null; then
  echo "FAIL: the 'yaml' package is missing: run npm ci first" >&2
  exit 1
fi

mapfile -t json_files < <(find monitoring -type f -name '*.json' | sort)
mapfile -t yaml_files < <({ find monitoring -type f \( -name '*.yml' -o -name '*.yaml' \); echo docker-compose.yml; } | sort)

echo "== JSON (${#json_files[@]} files)"
for file in "${json_files[@]}"; do
  if node -e "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))" "$file"; then
    echo "ok   $file"
  else
    fail "$file is not valid JSON"
  fi
done

echo "== YAML (${#yaml_files[@]} files)"
for file in "${yaml_files[@]}"; do
  # Syntax errors, duplicate keys and warnings all fail.
  if node - "$file" << 'JS'; then
const { parseDocument } = require('yaml');
const doc = parseDocument(require('fs').readFileSync(process.argv[2], 'utf8'));
const problems = [...doc.errors, ...doc.warnings];
for (const problem of problems) console.error(problem.message);
if (problems.length === 0 && doc.toJS() == null) console.error('empty document');
process.exit(problems.length > 0 || doc.toJS() == null ? 1 : 0);
JS
    echo "ok   $file"
  else
    fail "$file is not valid YAML"
  fi
done

if ! command -v promtool > /dev/null && [[ "$(id -u)" == 0 && -n "${CI:-}" ]]; then
  echo "== promtool not found: installing Debian's prometheus package (root, CI set)"
  if ! {
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus > /dev/null
  }; then
    echo "WARNING: could not install the prometheus package (see the apt output above)" >&2
  fi
fi

if command -v promtool > /dev/null; then
  echo "== promtool ($(promtool --version 2>&1 | head -n 1))"
  promtool check rules monitoring/prometheus/alerts.yml || fail "promtool check rules"
  promtool check config monitoring/prometheus/prometheus.yml || fail "promtool check config"
  for tests in monitoring/prometheus/*.test.yml; do
    [[ -e "$tests" ]] || continue
    promtool test rules "$tests" || fail "promtool test rules $tests"
  done

  # Every dashboard query must be valid PromQL: wrap them as recording rules, with Grafana's
  # variables replaced ($__rate_interval and the like by 5m, dashboard variables by .*).
  if ((${#json_files[@]} > 0)); then
    rules_dir="$(mktemp -d)"
    trap 'rm -rf "$rules_dir"' EXIT
    node - "$rules_dir/dashboards.yml" "${json_files[@]}" << 'JS' || fail "could not extract the dashboard queries"
const fs = require('fs');
const { stringify } = require('yaml');
const [out, ...files] = process.argv.slice(2);
const groups = [];
for (const file of files) {
  const rules = [];
  const visit = (panels = []) => {
    for (const panel of panels) {
      visit(panel.panels);
      for (const target of panel.targets ?? []) {
        if (!target.expr) continue;
        const expr = target.expr
          .replace(/\$__\w+/g, '5m')
          .replace(/\$\{?\w+(?::\w+)?\}?/g, '.*');
        rules.push({ record: `dashboard:panel${panel.id}:${target.refId}`, expr });
      }
    }
  };
  visit(JSON.parse(fs.readFileSync(file, 'utf8')).panels);
  if (rules.length > 0) groups.push({ name: file, rules });
}
fs.writeFileSync(out, stringify({ groups }));
console.log(`ok   ${groups.reduce((n, g) => n + g.rules.length, 0)} dashboard queries extracted`);
JS
    if [[ -s "$rules_dir/dashboards.yml" ]]; then
      promtool check rules "$rules_dir/dashboards.yml" || fail "dashboard PromQL (promtool check rules)"
    fi
  fi
else
  echo "WARNING: promtool is not on PATH: alert rules, Prometheus config and dashboard PromQL NOT checked" >&2
  echo "WARNING: install it with: apt-get install -y --no-install-recommends prometheus" >&2
fi

if ((failures > 0)); then
  echo "monitoring check: $failures failure(s)" >&2
  exit 1
fi
echo "monitoring check: all passed"
