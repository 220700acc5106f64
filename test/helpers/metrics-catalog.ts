/**
 * monitoring/metrics-catalog.yml as data, and Prometheus' text format as data: what the ops test
 * (queries name only catalogued metrics and labels) and the e2e test (the processes serve exactly
 * the catalogue) compare.
 */
import fs from 'node:fs';
import path from 'node:path';
import client from 'prom-client';
import { parse as parseYaml } from 'yaml';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface CatalogEntry {
  name: string;
  type: MetricType;
  /** Labels of the metric (without `service`, the kit's default label). */
  labels: string[];
  /** A service's own label list where it differs from `labels`. */
  labelsByService: Record<string, string[]>;
  emittedBy: string[];
  status: 'implemented' | 'planned';
  help: string;
}

/** Every process that serves metrics: the router and the subgraphs (subgraphs/registry.ts). */
export const SERVICES = ['router', 'products', 'inventory', 'ecommerce', 'retail', 'reports'] as const;

/** Labels every application series carries: the kit's default label, and the scrape's target labels. */
export const COMMON_LABELS = ['service', 'job', 'instance'] as const;

const TYPES: readonly string[] = ['counter', 'gauge', 'histogram'];

function strings(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new Error(`${what} is not a list of strings`);
  return value as string[];
}

/** The catalogue, each entry checked for shape (a malformed entry throws, naming it). */
export function loadCatalog(
  file = path.resolve(__dirname, '..', '..', 'monitoring', 'metrics-catalog.yml'),
): CatalogEntry[] {
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as { metrics?: unknown };
  if (!Array.isArray(doc.metrics)) throw new Error('metrics-catalog.yml has no metrics list');
  return doc.metrics.map((raw: unknown, i) => {
    const m = raw as Record<string, unknown>;
    const name = typeof m.name === 'string' ? m.name : `entry ${i}`;
    if (!TYPES.includes(String(m.type))) throw new Error(`${name}: type ${String(m.type)}`);
    if (m.status !== 'implemented' && m.status !== 'planned') throw new Error(`${name}: status ${String(m.status)}`);
    const byService: Record<string, string[]> = {};
    for (const [service, labels] of Object.entries((m.labels_by_service ?? {}) as Record<string, unknown>)) {
      byService[service] = strings(labels, `${name} labels_by_service.${service}`);
    }
    return {
      name,
      type: m.type as MetricType,
      labels: strings(m.labels, `${name} labels`),
      labelsByService: byService,
      emittedBy: strings(m.emitted_by, `${name} emitted_by`),
      status: m.status,
      help: typeof m.help === 'string' ? m.help : '',
    };
  });
}

/** The labels an entry has on one service. */
export function labelsOn(entry: CatalogEntry, service: string): string[] {
  return entry.labelsByService[service] ?? entry.labels;
}

/** Every label an entry has on any service. */
export function allLabels(entry: CatalogEntry): string[] {
  return [...new Set([entry.labels, ...Object.values(entry.labelsByService)].flat())];
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** `# TYPE` of every family served, by name. */
  types: Map<string, string>;
  samples: Sample[];
}

/** Prometheus' text exposition format (what prom-client serves), parsed. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

/** GET /metrics of a process whose GraphQL endpoint is `graphqlUrl`, parsed. */
export async function scrape(graphqlUrl: string): Promise<Exposition> {
  const res = await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'));
  if (res.status !== 200) throw new Error(`${graphqlUrl} /metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

/** The sum of the samples of `name` whose labels include `match` (0 when none). */
export function valueOf(exposition: Exposition, name: string, match: Record<string, string> = {}): number {
  return exposition.samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** What a PromQL expression asks of labels: the matchers of each selector, and the grouping lists. */
export interface LabelUses {
  /** `metric{a="x", b=~"y"}` -> { metric, labels: [a, b] } (selectors without a metric name are left out). */
  selectors: { metric: string; labels: string[] }[];
  /** Labels of `by`, `without`, `on`, `ignoring`, `group_left` and `group_right` lists. */
  grouping: string[];
}

/** The label uses of a PromQL expression (Grafana variables such as $__rate_interval allowed). */
export function promqlLabelUses(expr: string): LabelUses {
  // Strings may hold braces and parentheses (regular expressions): blanked before anything else.
  const strings: string[] = [];
  const s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, (m) => {
    strings.push(m);
    return `"${strings.length - 1}"`;
  });
  const selectors = [...s.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)].map((m) => ({
    metric: m[1]!,
    labels: [...m[2]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
  }));
  const grouping = [...s.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  return { selectors, grouping };
}

/** Labels a Grafana legend shows: `{{store_id}} {{currency}}` -> [store_id, currency]. */
export function legendLabels(legend: string): string[] {
  return [...legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
}

/** prom-client's default metrics (process_*, nodejs_*), exactly as this version names them. */
export async function defaultMetricNames(): Promise<Set<string>> {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const names = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
  registry.clear();
  return names;
}
